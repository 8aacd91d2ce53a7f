"""payment_create and the status machine, against the local Stripe peer over HTTP."""

import pytest

from billing import chart, purposes
from billing.models import BillingCustomer, JournalEntry, Payment
from billing.selectors import balance_of, balances_from_lines
from billing.services.payments import PaymentInvalidError, payment_create, payment_sync
from billing.stripe_api import PaymentDeclinedError, PaymentProviderUnavailableError
from tests.billing.factories import lines_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class RecordingHandler:
    def __init__(self):
        self.calls = []

    def succeeded(self, *, payment):
        self.calls.append(("succeeded", payment.pk))

    def failed(self, *, payment):
        self.calls.append(("failed", payment.pk))

    def refunded(self, *, payment, amount):
        self.calls.append(("refunded", amount))


@pytest.fixture
def tip_handler():
    handler = RecordingHandler()
    previous = purposes.handler_of(Payment.Purpose.TIP)  # streaming's, registered at start-up
    purposes.register(Payment.Purpose.TIP, handler)
    yield handler
    purposes.register(Payment.Purpose.TIP, previous)


def _tip(payer, creator, *, amount=1000, currency="usd", pm="pm_card_visa", key="tip:1", **kwargs):
    return payment_create(
        payer=payer,
        beneficiary=creator,
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency=currency,
        idempotency_key=key,
        payment_method_id=pm,
        **kwargs,
    )


def test_a_paid_tip_posts_its_entry_with_stripes_fee_in_the_same_transaction(stripe_peer, tip_handler):
    payer, creator = UserFactory(), UserFactory()

    payment = _tip(payer, creator, amount=1000)

    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.fee == 59  # 2.9% + 30 of $10.00, from the charge's balance transaction
    assert payment.stripe_charge_id.startswith("ch_")
    # Tips: the creator bears the fee, 95% of (1000 - 59) = 893.95 -> 893, rounded down.
    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: 941,
        chart.STRIPE_FEES: 59,
        chart.creator(creator.pk, "pending"): -893,
        chart.revenue("tip"): -107,
    }
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == -893
    assert tip_handler.calls == [("succeeded", payment.pk)]


def test_the_same_operation_charges_once(stripe_peer):
    payer, creator = UserFactory(), UserFactory()

    first = _tip(payer, creator, key="tip:same")
    again = _tip(payer, creator, key="tip:same")

    assert again.pk == first.pk
    assert len(stripe_peer.events("payment_intent.succeeded")) == 1
    assert JournalEntry.objects.count() == 1


def test_memberships_share_the_gross_and_the_platform_bears_the_fee(stripe_peer):
    payer, creator = UserFactory(), UserFactory()

    payment = payment_create(
        payer=payer,
        beneficiary=creator,
        purpose=Payment.Purpose.MEMBERSHIP,
        amount=999,
        currency="usd",
        idempotency_key="m:1",
        payment_method_id="pm_card_visa",
    )

    # 90% of 999 = 899.1 -> 899; fee 2.9% of 999 = 28.97 -> 29, + 30 = 59.
    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: 940,
        chart.STRIPE_FEES: 59,
        chart.creator(creator.pk, "pending"): -899,
        chart.revenue("membership"): -100,
    }


def test_yen_tips_are_whole_units(stripe_peer):
    payer, creator = UserFactory(), UserFactory()

    payment = _tip(payer, creator, amount=1001, currency="jpy")

    # 3.6% of 1001 = 36.04 -> 36; 95% of 965 = 916.75 -> 916.
    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: 965,
        chart.STRIPE_FEES: 36,
        chart.creator(creator.pk, "pending"): -916,
        chart.revenue("tip"): -85,
    }


def test_an_ad_top_up_goes_to_the_advertisers_prepaid_balance(stripe_peer):
    advertiser = UserFactory()

    payment = payment_create(
        payer=advertiser,
        purpose=Payment.Purpose.AD_TOPUP,
        amount=5000,
        currency="eur",
        idempotency_key="topup:1",
        payment_method_id="pm_card_visa",
    )

    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: 4825,
        chart.STRIPE_FEES: 175,
        chart.advertiser_prepaid(advertiser.pk): -5000,
    }


@pytest.mark.parametrize(
    ("pm", "code"),
    [
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ],
)
def test_a_declined_card_is_402_with_the_decline_code_and_the_payment_is_kept_failed(
    stripe_peer, tip_handler, pm, code
):
    payer, creator = UserFactory(), UserFactory()

    with pytest.raises(PaymentDeclinedError) as error:
        _tip(payer, creator, pm=pm)

    assert error.value.status_code == 402
    assert error.value.code == code
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_code in {code, "generic_decline"}
    assert JournalEntry.objects.count() == 0
    assert tip_handler.calls == [("failed", payment.pk)]


def test_3d_secure_requires_action_then_succeeds_when_the_payer_authenticates(stripe_peer):
    payer, creator = UserFactory(), UserFactory()

    payment = _tip(payer, creator, pm="pm_card_authenticationRequired")
    assert payment.status == Payment.Status.REQUIRES_ACTION
    assert JournalEntry.objects.count() == 0

    stripe_peer.helper(f"/_peer/payment_intents/{payment.stripe_payment_intent_id}/authenticate")
    payment_sync(payment_intent_id=payment.stripe_payment_intent_id)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert JournalEntry.objects.get().kind == JournalEntry.Kind.PAYMENT_CAPTURED


def test_stripe_unreachable_is_503_and_nothing_is_written(settings, db):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    payer, creator = UserFactory(), UserFactory()

    with pytest.raises(PaymentProviderUnavailableError) as error:
        _tip(payer, creator)

    assert error.value.status_code == 503
    assert error.value.code == "payment_provider_unavailable"
    assert Payment.objects.count() == 0
    assert JournalEntry.objects.count() == 0
    assert BillingCustomer.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (0, "usd", "amount_invalid"),
        (-100, "usd", "amount_invalid"),
        (10.5, "usd", "amount_invalid"),
        (True, "usd", "amount_invalid"),
        (1000, "xyz", "currency_unsupported"),
        (1000, "", "currency_unsupported"),
        (49, "usd", "amount_too_small"),
        (100_000_000, "usd", "amount_too_large"),
    ],
)
def test_bad_amounts_and_currencies_have_stable_codes_and_touch_nothing(db, amount, currency, code):
    payer, creator = UserFactory(), UserFactory()

    with pytest.raises(PaymentInvalidError) as error:
        _tip(payer, creator, amount=amount, currency=currency)

    assert error.value.status_code == 400
    assert error.value.code == code
    assert Payment.objects.count() == 0


def test_a_tip_needs_a_creator_who_is_not_the_payer(db):
    payer = UserFactory()
    with pytest.raises(PaymentInvalidError) as error:
        _tip(payer, None)
    assert error.value.code == "beneficiary_required"
    with pytest.raises(PaymentInvalidError) as error:
        _tip(payer, payer)
    assert error.value.code == "beneficiary_is_payer"


def test_a_payment_whose_row_was_lost_comes_back_from_the_intents_metadata(stripe_peer):
    payer, creator = UserFactory(), UserFactory()
    payment = _tip(payer, creator)
    intent_id, payment_id = payment.stripe_payment_intent_id, payment.pk
    Payment.objects.filter(pk=payment_id).delete()  # as if the insert had failed after Stripe answered

    restored = payment_sync(payment_intent_id=intent_id)

    assert restored.pk == payment_id
    assert restored.status == Payment.Status.SUCCEEDED
    assert restored.beneficiary == creator
    assert sum(balances_from_lines().values()) == 0
    assert JournalEntry.objects.count() == 1
