"""End to end over real HTTP: the peer delivers signed webhooks to Fanfare served by uvicorn."""

import pytest
from djstripe.models import WebhookEventTrigger

from billing.models import JournalEntry, Payment
from billing.services.payments import payment_create
from billing.services.webhooks import webhook_endpoint_register
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("stripe_backend"),
    pytest.mark.peer_only(
        "Stripe test mode delivers webhooks only to a public HTTPS URL, not to a server on localhost "
        "(the Stripe CLI's forwarding would be needed)"
    ),
]


def test_the_peer_delivers_signed_events_that_fanfare_processes(stripe_peer, asgi_server):
    endpoint = webhook_endpoint_register(base_url=asgi_server)
    assert endpoint.url.startswith(f"{asgi_server}/stripe/webhook/")
    assert webhook_endpoint_register(base_url=asgi_server).pk == endpoint.pk  # kept while the peer knows it

    payment = payment_create(
        payer=UserFactory(),
        beneficiary=UserFactory(),
        purpose=Payment.Purpose.TIP,
        amount=1200,
        currency="usd",
        idempotency_key="tip:live",
        payment_method_id="pm_card_visa",
    )
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    stripe_peer.flush()

    deliveries = stripe_peer.helper_get("/_peer/deliveries")["data"]
    assert deliveries
    assert {delivery["status"] for delivery in deliveries} == {200}
    assert WebhookEventTrigger.objects.filter(valid=True, processed=True).count() == len(deliveries)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert sorted(JournalEntry.objects.values_list("kind", flat=True)) == ["dispute_opened", "payment_captured"]


def test_the_peer_delivers_membership_events_that_fanfare_processes(stripe_peer, asgi_server):
    from billing.models import Membership
    from billing.services import memberships
    from billing.services.customers import payment_method_save

    webhook_endpoint_register(base_url=asgi_server)
    creator, viewer = UserFactory(), UserFactory()
    tier = memberships.tier_create(
        creator=creator, name="Gold", position=1, prices=[memberships.TierPrice("usd", 1000)]
    )
    payment_method_save(user=viewer, payment_method_id="pm_card_visa", make_default=True)
    membership = memberships.membership_join(viewer=viewer, tier=tier, currency="usd").membership

    stripe_peer.helper(f"/_peer/subscriptions/{membership.stripe_subscription_id}/advance")
    stripe_peer.flush()

    deliveries = stripe_peer.helper_get("/_peer/deliveries")["data"]
    assert {delivery["status"] for delivery in deliveries} == {200}
    delivered = {stripe_peer.state.objects[d["event"]]["type"] for d in deliveries}
    assert {"customer.subscription.updated", "invoice.paid", "price.created", "product.created"} <= delivered
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert sorted(Payment.objects.values_list("purpose", "amount")) == [("membership", 1000), ("membership", 1000)]
    assert JournalEntry.objects.filter(kind="payment_captured").count() == 2
