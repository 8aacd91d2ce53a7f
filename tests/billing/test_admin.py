"""Finance in the admin: second factor required, refunds with a reason, evidence, the ledger, the webhook log."""

import pytest
from djstripe.models import WebhookEventTrigger

from billing.models import Dispute, JournalEntry, Payment, Refund
from billing.services.payments import payment_create, payment_sync
from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def _paid_tip(amount=1000, key="tip:1"):
    return payment_create(
        payer=UserFactory(email="fan@example.com"),
        beneficiary=UserFactory(),
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency="usd",
        idempotency_key=key,
        payment_method_id="pm_card_visa",
    )


@pytest.fixture
def finance():
    return verified_client(with_role(UserFactory(), "finance"))


def test_finance_needs_a_second_factor(stripe_peer):
    user = with_role(UserFactory(), "finance")

    response = verified_client(user, second_factor=False).get("/admin/billing/payment/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_finance_lists_filters_and_searches_payments(stripe_peer, finance):
    payment = _paid_tip()

    listing = finance.get("/admin/billing/payment/", {"status": "succeeded", "q": "fan@example.com"})
    other = finance.get("/admin/billing/payment/", {"status": "refunded"})
    detail = finance.get(f"/admin/billing/payment/{payment.pk}/change/")

    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [payment]
    assert list(other.context["cl"].queryset) == []
    assert detail.status_code == 200
    assert f"payment:{payment.pk}:captured" in detail.content.decode()


def test_finance_refunds_part_of_a_payment_with_a_reason(stripe_peer, finance):
    payment = _paid_tip()

    asked = finance.post("/admin/billing/payment/", {"action": "refund", "_selected_action": [payment.pk]})
    done = finance.post(
        "/admin/billing/payment/",
        {"action": "refund", "_selected_action": [payment.pk], "apply": "1", "amount": "250", "reason": "double tip"},
        follow=True,
    )

    assert asked.status_code == 200
    assert "reason" in asked.context["form"].fields
    assert done.status_code == 200
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.status) == (250, "double tip", Refund.Status.SUCCEEDED)
    assert refund.requested_by.groups.filter(name="finance").exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED


def test_a_moderator_cannot_refund(stripe_peer):
    payment = _paid_tip()
    moderator = verified_client(with_role(UserFactory(), "moderator"))

    response = moderator.post(
        "/admin/billing/payment/",
        {"action": "refund", "_selected_action": [payment.pk], "apply": "1", "reason": "no"},
    )

    assert response.status_code == 403
    assert Refund.objects.count() == 0


def test_finance_submits_dispute_evidence(stripe_peer, finance):
    payment = _paid_tip()
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    payment_sync(payment_intent_id=payment.stripe_payment_intent_id)
    dispute = Dispute.objects.get()

    finance.post(
        "/admin/billing/dispute/",
        {
            "action": "submit_evidence",
            "_selected_action": [dispute.pk],
            "apply": "1",
            "reason": "we delivered",
            "uncategorized_text": "winning_evidence",
            "customer_name": "A Fan",
        },
    )

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.WON
    assert stripe_peer.state.objects[dispute.stripe_dispute_id]["evidence"]["customer_name"] == "A Fan"
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_WON).count() == 1


def test_the_ledger_is_read_only_with_lines_and_balances(stripe_peer, finance):
    payment = _paid_tip()

    accounts = finance.get("/admin/billing/ledgeraccount/")
    entries = finance.get("/admin/billing/ledgeraccount/entries/", {"q": str(payment.pk)})
    account = accounts.context["cl"].queryset.get(name="platform:stripe_balance")
    detail = finance.get(f"/admin/billing/ledgeraccount/{account.pk}/change/")

    assert accounts.status_code == 200
    assert "9.41 USD" in accounts.content.decode()
    assert entries.status_code == 200
    assert f"payment:{payment.pk}:captured" in entries.content.decode()
    assert "-1.07 USD" in entries.content.decode()
    assert detail.status_code == 200
    assert finance.post(f"/admin/billing/ledgeraccount/{account.pk}/change/", {"balance": "0"}).status_code == 403
    assert finance.get("/admin/billing/ledgeraccount/add/").status_code == 403


def test_the_webhook_log_has_a_retry_action(stripe_peer, finance, webhook_endpoint, client, settings):
    from tests.billing.test_commands import _failed_delivery

    _failed_delivery(stripe_peer, webhook_endpoint, client, settings)
    trigger = WebhookEventTrigger.objects.get()

    listing = finance.get("/admin/djstripe/webhookeventtrigger/")
    finance.post("/admin/djstripe/webhookeventtrigger/", {"action": "retry", "_selected_action": [trigger.pk]})

    assert listing.status_code == 200
    trigger.refresh_from_db()
    assert trigger.processed is True
