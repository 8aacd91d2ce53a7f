"""payment_create and the status machine, against the local Stripe peer over HTTP and, with
STRIPE_TEST_SECRET_KEY, Stripe's test mode (``stripe_backend``). Entries are checked against
Stripe's own balance transaction (its fee and net); against the peer, whose fees are Stripe's US
pricing, the exact figures too."""

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


def _tip(payer, creator, *, amount=1000, currency="usd", pm="pm_card_visa", key="tip:1", backend=None, **kwargs):
    return payment_create(
        payer=payer,
        beneficiary=creator,
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency=currency,
        idempotency_key=backend.key(key) if backend else key,
        payment_method_id=pm,
        **kwargs,
    )


def _transaction(backend, payment):
    """Stripe's balance transaction of the payment's charge (its fee and net)."""
    charge = backend.api().charges.retrieve(payment.stripe_charge_id, params={"expand": ["balance_transaction"]})
    return charge.balance_transaction


def test_a_paid_tip_posts_its_entry_with_stripes_fee_in_the_same_transaction(stripe_backend, tip_handler):
    payer, creator = UserFactory(), UserFactory()

    payment = _tip(payer, creator, amount=1000, backend=stripe_backend)

    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.stripe_charge_id.startswith("ch_")
    txn = _transaction(stripe_backend, payment)
    assert payment.fee == txn.fee
    # Tips: the creator bears the fee, 95% of (1000 - fee), rounded down.
    share = (1000 - txn.fee) * 95 // 100
    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: txn.net,
        chart.STRIPE_FEES: txn.fee,
        chart.creator(creator.pk, "pending"): -share,
        chart.revenue("tip"): -(1000 - share),
    }
    if stripe_backend.is_peer:  # 2.9% + 30 of $10.00 = 59; 95% of 941 = 893.95 -> 893
        assert (txn.fee, txn.net, share) == (59, 941, 893)
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == -share
    assert tip_handler.calls == [("succeeded", payment.pk)]


def test_the_same_operation_charges_once(stripe_backend):
    payer, creator = UserFactory(), UserFactory()

    first = _tip(payer, creator, key="tip:same", backend=stripe_backend)
    again = _tip(payer, creator, key="tip:same", backend=stripe_backend)

    assert again.pk == first.pk
    customer = BillingCustomer.objects.get(user=payer).stripe_customer_id
    assert len(stripe_backend.api().payment_intents.list(params={"customer": customer}).data) == 1
    assert JournalEntry.objects.count() == 1


def test_memberships_share_the_gross_and_the_platform_bears_the_fee(stripe_backend):
    payer, creator = UserFactory(), UserFactory()

    payment = payment_create(
        payer=payer,
        beneficiary=creator,
        purpose=Payment.Purpose.MEMBERSHIP,
        amount=999,
        currency="usd",
        idempotency_key=stripe_backend.key("m:1"),
        payment_method_id="pm_card_visa",
    )

    # 90% of 999 = 899.1 -> 899, whatever the fee (the platform bears it).
    txn = _transaction(stripe_backend, payment)
    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: txn.net,
        chart.STRIPE_FEES: txn.fee,
        chart.creator(creator.pk, "pending"): -899,
        chart.revenue("membership"): -100,
    }
    if stripe_backend.is_peer:  # fee 2.9% of 999 = 28.97 -> 29, + 30 = 59
        assert (txn.fee, txn.net) == (59, 940)


def test_yen_tips_are_whole_units(stripe_backend):
    payer, creator = UserFactory(), UserFactory()

    payment = _tip(payer, creator, amount=1001, currency="jpy", backend=stripe_backend)

    txn = _transaction(stripe_backend, payment)
    share = (1001 - txn.fee) * 95 // 100
    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: txn.net,
        chart.STRIPE_FEES: txn.fee,
        chart.creator(creator.pk, "pending"): -share,
        chart.revenue("tip"): -(1001 - share),
    }
    if stripe_backend.is_peer:  # 3.6% of 1001 = 36.04 -> 36; 95% of 965 = 916.75 -> 916
        assert (txn.fee, txn.net, share) == (36, 965, 916)


def test_an_ad_top_up_goes_to_the_advertisers_prepaid_balance(stripe_backend):
    advertiser = UserFactory()

    payment = payment_create(
        payer=advertiser,
        purpose=Payment.Purpose.AD_TOPUP,
        amount=5000,
        currency="eur",
        idempotency_key=stripe_backend.key("topup:1"),
        payment_method_id="pm_card_visa",
    )

    txn = _transaction(stripe_backend, payment)
    assert lines_of(f"payment:{payment.pk}:captured") == {
        chart.STRIPE_BALANCE: txn.net,
        chart.STRIPE_FEES: txn.fee,
        chart.advertiser_prepaid(advertiser.pk): -5000,
    }
    if stripe_backend.is_peer:
        assert (txn.fee, txn.net) == (175, 4825)


@pytest.mark.parametrize(
    ("pm", "code"),
    [
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ],
)
def test_a_declined_card_is_402_with_the_decline_code_and_the_payment_is_kept_failed(
    stripe_backend, tip_handler, pm, code
):
    payer, creator = UserFactory(), UserFactory()

    with pytest.raises(PaymentDeclinedError) as error:
        _tip(payer, creator, pm=pm, backend=stripe_backend)

    assert error.value.status_code == 402
    assert error.value.code == code
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_code in {code, "generic_decline"}
    assert JournalEntry.objects.count() == 0
    assert tip_handler.calls == [("failed", payment.pk)]


def test_3d_secure_requires_action_then_succeeds_when_the_payer_authenticates(stripe_backend):
    payer, creator = UserFactory(), UserFactory()

    payment = _tip(payer, creator, pm="pm_card_authenticationRequired", backend=stripe_backend)
    assert payment.status == Payment.Status.REQUIRES_ACTION
    assert JournalEntry.objects.count() == 0

    stripe_backend.only_on_peer(
        "completing 3-D Secure takes the cardholder on Stripe's authentication page in a browser; the peer's "
        "/_peer/payment_intents/<id>/authenticate stands in for it"
    )
    stripe_backend.peer.helper(f"/_peer/payment_intents/{payment.stripe_payment_intent_id}/authenticate")
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


def test_a_payment_whose_row_was_lost_comes_back_from_the_intents_metadata(stripe_backend):
    payer, creator = UserFactory(), UserFactory()
    payment = _tip(payer, creator, backend=stripe_backend)
    intent_id, payment_id = payment.stripe_payment_intent_id, payment.pk
    Payment.objects.filter(pk=payment_id).delete()  # as if the insert had failed after Stripe answered

    restored = payment_sync(payment_intent_id=intent_id)

    assert restored.pk == payment_id
    assert restored.status == Payment.Status.SUCCEEDED
    assert restored.beneficiary == creator
    assert sum(balances_from_lines().values()) == 0
    assert JournalEntry.objects.count() == 1
