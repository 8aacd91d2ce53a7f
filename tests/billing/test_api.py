"""/api/v1/billing/: saved cards (SetupIntents, 3-D Secure, declines) and one's own payments, against
the local Stripe peer and, with STRIPE_TEST_SECRET_KEY, Stripe's test mode (``stripe_backend``)."""

import pytest

from billing.models import BillingCustomer, Payment
from billing.services.payments import payment_create
from billing.services.refunds import refund_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CARDS = "/api/v1/billing/payment-methods/"


@pytest.fixture
def fan(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    return user


def test_a_setup_intent_gives_the_client_its_secret_and_makes_the_customer(stripe_backend, api_client, fan):
    response = api_client.post("/api/v1/billing/setup-intents/")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "requires_payment_method"
    assert body["client_secret"].startswith(f"{body['setup_intent_id']}_secret_")
    customer = BillingCustomer.objects.get(user=fan)
    remote = stripe_backend.api().customers.retrieve(customer.stripe_customer_id)
    assert remote.metadata.to_dict() == {"fanfare_user_id": str(fan.pk)}


def test_saving_listing_defaulting_and_removing_cards(stripe_backend, api_client, fan):
    first = api_client.post(CARDS, {"payment_method": "pm_card_visa"})
    second = api_client.post(CARDS, {"payment_method": "pm_card_mastercard"})

    assert first.status_code == 201
    assert second.status_code == 201
    assert first.json()["status"] == "succeeded"
    cards = api_client.get(CARDS).json()
    assert sorted((card["brand"], card["last4"], card["is_default"]) for card in cards) == [
        ("mastercard", "4444", False),
        ("visa", "4242", True),
    ]
    mastercard = next(card["id"] for card in cards if card["brand"] == "mastercard")

    assert api_client.post(f"{CARDS}{mastercard}/default/").status_code == 204
    assert {card["brand"]: card["is_default"] for card in api_client.get(CARDS).json()} == {
        "visa": False,
        "mastercard": True,
    }
    assert api_client.delete(f"{CARDS}{mastercard}/").status_code == 204
    assert [(card["brand"], card["is_default"]) for card in api_client.get(CARDS).json()] == [("visa", False)]
    assert BillingCustomer.objects.get(user=fan).default_payment_method_id == ""


def test_3d_secure_on_saving_a_card_shows_as_requires_action(stripe_backend, api_client, fan):
    response = api_client.post(CARDS, {"payment_method": "pm_card_authenticationRequiredOnSetup"})

    assert response.status_code == 202
    assert response.json()["status"] == "requires_action"
    assert response.json()["client_secret"]
    assert api_client.get(CARDS).json() == []


@pytest.mark.parametrize(
    ("pm", "code"),
    [
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ],
)
def test_a_declined_card_is_402_with_the_decline_code(stripe_backend, api_client, fan, pm, code):
    response = api_client.post(CARDS, {"payment_method": pm})

    assert response.status_code == 402
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == code
    assert api_client.get(CARDS).json() == []


def test_someone_elses_card_is_not_found(stripe_backend, api_client, fan):
    other = UserFactory()
    api_client.force_authenticate(other)
    theirs = api_client.post(CARDS, {"payment_method": "pm_card_visa"}).json()["payment_method_id"]
    api_client.force_authenticate(fan)
    api_client.post(CARDS, {"payment_method": "pm_card_visa"})

    for response in (api_client.delete(f"{CARDS}{theirs}/"), api_client.post(f"{CARDS}{theirs}/default/")):
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "payment_method_not_found"
    assert stripe_backend.api().payment_methods.retrieve(theirs).customer is not None


def test_bad_input_is_400(stripe_backend, api_client, fan):
    response = api_client.post(CARDS, {"payment_method": "not a card"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "payment_method"


def test_anonymous_clients_get_401(api_client, db):
    for response in (
        api_client.post("/api/v1/billing/setup-intents/"),
        api_client.get(CARDS),
        api_client.get("/api/v1/billing/payments/"),
    ):
        assert response.status_code == 401


def test_stripe_unreachable_is_503_payment_provider_unavailable(settings, api_client, fan):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    api_client.raise_request_exception = False  # a 5xx is also reported to monitoring, as it should be

    response = api_client.post(CARDS, {"payment_method": "pm_card_visa"})

    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "payment_provider_unavailable"
    assert BillingCustomer.objects.count() == 0


def test_users_list_their_own_payments_and_read_receipts(
    stripe_backend, api_client, fan, django_assert_max_num_queries
):
    creator = UserFactory()
    paid = [
        payment_create(
            payer=fan,
            beneficiary=creator,
            purpose="tip",
            amount=500 + i,
            currency="usd",
            idempotency_key=stripe_backend.key(f"t{i}"),
            payment_method_id="pm_card_visa",
        )
        for i in range(3)
    ]
    refund_create(payment=paid[0], amount=100, reason="test")
    payment_create(
        payer=creator,
        beneficiary=fan,
        purpose="tip",
        amount=700,
        currency="usd",
        idempotency_key=stripe_backend.key("other"),
        payment_method_id="pm_card_visa",
    )

    for page_size in (1, 3):
        with django_assert_max_num_queries(4):
            response = api_client.get("/api/v1/billing/payments/", {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
    listed = api_client.get("/api/v1/billing/payments/").json()["results"]
    assert [item["id"] for item in listed] == [str(p.pk) for p in reversed(paid)]
    assert listed[-1]["status"] == "partially_refunded"
    receipt = api_client.get(f"/api/v1/billing/payments/{paid[0].pk}/").json()
    assert receipt["receipt_url"].startswith("https://")
    assert [(r["amount"], r["status"]) for r in receipt["refunds"]] == [(100, "succeeded")]
    theirs = Payment.objects.get(idempotency_key=stripe_backend.key("other"))
    missing = api_client.get(f"/api/v1/billing/payments/{theirs.pk}/")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "payment_not_found"
