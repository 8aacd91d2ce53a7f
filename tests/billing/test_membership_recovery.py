"""Memberships that need recovering, end to end against the local Stripe peer: a join left waiting
for 3-D Secure expires after 23 hours (Stripe's ``incomplete_expired``, and the sweep), and a
member pays a failed renewal again with a new or saved card (``retry-payment``)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing import chart
from billing.models import LedgerAccount, Membership, Payment
from billing.selectors import balance_of, balances_from_lines, viewer_has_tier
from billing.services import memberships as svc
from billing.services.customers import payment_method_save
from tests.billing.conftest import post_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/billing"


def _ledger_balanced():
    lines = balances_from_lines()
    assert lines == {(a.name, a.currency): a.balance for a in LedgerAccount.objects.all()}
    totals = {}
    for (_name, currency), amount in lines.items():
        totals[currency] = totals.get(currency, 0) + amount
    assert all(total == 0 for total in totals.values()), totals


def _tier(creator, *, monthly=1000):
    return svc.tier_create(creator=creator, name="Gold", position=1, prices=[svc.TierPrice("usd", monthly)])


def _deliver(client, endpoint, stripe_peer, since):
    events = stripe_peer.state.events[since:]
    for event in events:
        assert post_event(client, endpoint, event).status_code == 200, event["type"]
    return [event["type"] for event in events]


def _join_waiting_for_3ds():
    creator, viewer = UserFactory(), UserFactory()
    tier = _tier(creator)
    result = svc.membership_join(
        viewer=viewer, tier=tier, currency="usd", payment_method_id="pm_card_authenticationRequired"
    )
    assert (result.membership.status, result.requires_action) == (Membership.Status.INCOMPLETE, True)
    return creator, viewer, tier, result


# -- a join left incomplete -----------------------------------------------------------------------
def test_stripe_expires_a_join_left_waiting_for_3ds_and_the_webhook_ends_it(stripe_peer, client, webhook_endpoint):
    creator, viewer, tier, result = _join_waiting_for_3ds()
    membership = result.membership
    sub_id = membership.stripe_subscription_id
    intent_id = result.client_secret.split("_secret_")[0]

    since = len(stripe_peer.state.events)
    stripe_peer.helper(f"/_peer/subscriptions/{sub_id}/advance")  # 23 hours pass at Stripe
    types = _deliver(client, webhook_endpoint, stripe_peer, since)

    assert types == ["payment_intent.canceled", "invoice.voided", "customer.subscription.updated"]
    subscription = stripe_peer.state.objects[sub_id]
    assert subscription["status"] == "incomplete_expired"
    assert stripe_peer.state.objects[subscription["latest_invoice"]]["status"] == "void"
    assert stripe_peer.state.objects[intent_id]["status"] == "canceled"
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_at is not None
    assert not viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=None)
    assert Payment.objects.filter(purpose=Payment.Purpose.MEMBERSHIP).count() == 0
    # Nothing left for the sweep; the viewer may join again.
    assert svc.memberships_sweep(now=timezone.now() + timedelta(hours=24)).incomplete_expired == 0
    payment_method_save(user=viewer, payment_method_id="pm_card_visa", make_default=True)
    again = svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership
    assert again.status == Membership.Status.ACTIVE
    _ledger_balanced()


def test_the_sweep_ends_a_join_incomplete_for_23_hours_and_cancels_it_at_stripe(stripe_peer):
    """Stripe's expiry event never arrived (or its clock is behind): the sweep ends the join and
    cancels the subscription, so a late 3-D Secure can no longer charge for it."""
    *_people, joined = _join_waiting_for_3ds()
    membership = joined.membership
    sub_id = membership.stripe_subscription_id
    intent_id = joined.client_secret.split("_secret_")[0]

    assert svc.memberships_sweep(now=timezone.now() + timedelta(hours=22)).incomplete_expired == 0
    assert svc.memberships_sweep(now=timezone.now() + timedelta(hours=24), dry_run=True).incomplete_expired == 1
    membership.refresh_from_db()
    assert membership.status == Membership.Status.INCOMPLETE  # the dry run changed nothing
    assert stripe_peer.state.objects[sub_id]["status"] == "incomplete"

    result = svc.memberships_sweep(now=timezone.now() + timedelta(hours=24))

    assert result.incomplete_expired == 1
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    subscription = stripe_peer.state.objects[sub_id]
    assert subscription["status"] == "canceled"
    assert stripe_peer.state.objects[subscription["latest_invoice"]]["status"] == "void"
    # Authenticating now pays nothing: the invoice is void.
    stripe_peer.helper(f"/_peer/payment_intents/{intent_id}/authenticate")
    assert stripe_peer.state.objects[subscription["latest_invoice"]]["status"] == "void"
    assert Payment.objects.count() == 0


def test_the_sweep_command_reports_incomplete_joins(stripe_peer, capsys):
    _join_waiting_for_3ds()

    call_command("memberships_sweep", "--dry-run")

    assert "0 joins left incomplete" in capsys.readouterr().out  # not 23 hours old yet


# -- paying a failed renewal again ------------------------------------------------------------------
def _past_due(stripe_peer, client, webhook_endpoint):
    creator, viewer = UserFactory(), UserFactory()
    payment_method_save(user=viewer, payment_method_id="pm_card_visa", make_default=True)
    membership = svc.membership_join(viewer=viewer, tier=_tier(creator), currency="usd").membership
    since = len(stripe_peer.state.events)
    advance = f"/_peer/subscriptions/{membership.stripe_subscription_id}/advance"
    stripe_peer.helper(advance, card="pm_card_chargeDeclined")
    _deliver(client, webhook_endpoint, stripe_peer, since)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PAST_DUE
    return creator, viewer, membership


def test_retry_with_a_new_card_pays_the_open_invoice_and_keeps_the_card(
    stripe_peer, client, webhook_endpoint, api_client
):
    creator, viewer, membership = _past_due(stripe_peer, client, webhook_endpoint)
    api_client.force_authenticate(viewer)
    since = len(stripe_peer.state.events)

    response = api_client.post(
        f"{API}/memberships/{membership.pk}/retry-payment/", {"payment_method": "pm_card_mastercard"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["requires_action"], body["membership"]["status"]) == (False, "active")
    membership.refresh_from_db()
    assert (membership.status, membership.past_due_since) == (Membership.Status.ACTIVE, None)
    assert Payment.objects.filter(purpose_ref=str(membership.pk), status="succeeded").count() == 2
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == -1800
    subscription = stripe_peer.state.objects[membership.stripe_subscription_id]
    assert stripe_peer.state.objects[subscription["default_payment_method"]]["card"]["brand"] == "mastercard"
    # The peer's own events (invoice.paid ...) delivered late change nothing more.
    _deliver(client, webhook_endpoint, stripe_peer, since)
    assert Payment.objects.filter(purpose_ref=str(membership.pk)).count() == 2
    _ledger_balanced()


def test_retry_with_the_saved_card_after_fixing_it_and_declines_keep_it_past_due(
    stripe_peer, client, webhook_endpoint, api_client
):
    _creator, viewer, membership = _past_due(stripe_peer, client, webhook_endpoint)
    api_client.force_authenticate(viewer)
    url = f"{API}/memberships/{membership.pk}/retry-payment/"

    declined = api_client.post(url, {}, format="json")  # the membership's card: still declining

    assert declined.status_code == 402
    assert declined.json()["errors"][0]["code"] == "card_declined"
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PAST_DUE
    # A saved card (attached earlier) given by id.
    saved = payment_method_save(user=viewer, payment_method_id="pm_card_visa", make_default=False)
    assert saved.status == "succeeded"
    paid = api_client.post(url, {"payment_method": saved.payment_method_id}, format="json")
    assert paid.status_code == 200, paid.content
    assert paid.json()["membership"]["status"] == "active"
    _ledger_balanced()


def test_retry_asking_for_3ds_answers_202_and_invoice_paid_ends_it(stripe_peer, client, webhook_endpoint, api_client):
    _creator, viewer, membership = _past_due(stripe_peer, client, webhook_endpoint)
    api_client.force_authenticate(viewer)

    response = api_client.post(
        f"{API}/memberships/{membership.pk}/retry-payment/",
        {"payment_method": "pm_card_authenticationRequired"},
        format="json",
    )

    assert response.status_code == 202, response.content
    secret = response.json()["client_secret"]
    assert response.json()["requires_action"] is True
    since = len(stripe_peer.state.events)
    stripe_peer.helper(f"/_peer/payment_intents/{secret.split('_secret_')[0]}/authenticate")
    _deliver(client, webhook_endpoint, stripe_peer, since)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    _ledger_balanced()


def test_retry_refusals(stripe_peer, client, webhook_endpoint, api_client):
    _creator, viewer, membership = _past_due(stripe_peer, client, webhook_endpoint)
    url = f"{API}/memberships/{membership.pk}/retry-payment/"

    assert api_client.post(url, {}, format="json").status_code == 401
    api_client.force_authenticate(UserFactory())
    other = api_client.post(url, {}, format="json")
    assert (other.status_code, other.json()["errors"][0]["code"]) == (404, "membership_not_found")
    api_client.force_authenticate(viewer)
    bad = api_client.post(url, {"payment_method": "card_123"}, format="json")
    assert bad.status_code == 400
    assert api_client.post(url, {"payment_method": "pm_card_visa"}, format="json").status_code == 200
    again = api_client.post(url, {}, format="json")
    assert (again.status_code, again.json()["errors"][0]["code"]) == (409, "membership_not_past_due")
