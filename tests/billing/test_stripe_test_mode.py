"""The same flows against Stripe's own test mode, so anyone with keys can check the peer against the
real thing. Skipped unless STRIPE_TEST_SECRET_KEY (an sk_test_ key) is set."""

import os

import pytest
import stripe

from billing import chart
from billing.models import Payment, Refund
from billing.services.payments import payment_create
from billing.services.refunds import refund_create
from billing.stripe_api import PaymentDeclinedError, client
from tests.billing.factories import lines_of
from tests.factories import UserFactory

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")
pytestmark = [
    pytest.mark.skipif(not KEY.startswith("sk_test_"), reason="STRIPE_TEST_SECRET_KEY (sk_test_...) is not set"),
    pytest.mark.django_db,
]


@pytest.fixture
def stripe_test_mode(settings):
    settings.STRIPE_SECRET_KEY = KEY
    settings.STRIPE_API_BASE = ""
    previous, stripe.api_base = stripe.api_base, "https://api.stripe.com"
    yield
    stripe.api_base = previous


def test_a_paid_tip_posts_stripes_own_fee_and_net(stripe_test_mode):
    payment = payment_create(
        payer=UserFactory(), beneficiary=UserFactory(), purpose=Payment.Purpose.TIP, amount=1000, currency="usd",
        idempotency_key=f"test-mode:{os.urandom(6).hex()}", payment_method_id="pm_card_visa",
    )  # fmt: skip

    assert payment.status == Payment.Status.SUCCEEDED
    charge = client().v1.charges.retrieve(payment.stripe_charge_id, params={"expand": ["balance_transaction"]})
    lines = lines_of(f"payment:{payment.pk}:captured")
    assert lines[chart.STRIPE_BALANCE] == charge.balance_transaction.net
    assert lines[chart.STRIPE_FEES] == charge.balance_transaction.fee
    assert sum(lines.values()) == 0


@pytest.mark.parametrize(
    ("pm", "code"),
    [
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ],
)
def test_declines_carry_stripes_codes(stripe_test_mode, pm, code):
    with pytest.raises(PaymentDeclinedError) as error:
        payment_create(
            payer=UserFactory(), beneficiary=UserFactory(), purpose=Payment.Purpose.TIP, amount=1000, currency="usd",
            idempotency_key=f"test-mode:{os.urandom(6).hex()}", payment_method_id=pm,
        )  # fmt: skip
    assert error.value.code == code
    assert Payment.objects.get().status == Payment.Status.FAILED


def test_a_partial_refund_posts_its_entry(stripe_test_mode):
    payment = payment_create(
        payer=UserFactory(), beneficiary=UserFactory(), purpose=Payment.Purpose.TIP, amount=1000, currency="usd",
        idempotency_key=f"test-mode:{os.urandom(6).hex()}", payment_method_id="pm_card_visa",
    )  # fmt: skip

    refund = refund_create(payment=payment, amount=300, reason="test mode")

    assert refund.status == Refund.Status.SUCCEEDED
    assert lines_of(f"refund:{refund.stripe_refund_id}")[chart.STRIPE_BALANCE] == -300
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
