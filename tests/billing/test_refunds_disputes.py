"""Refunds (full, partial, racing) and disputes (opened, won, lost), each posting its entries: against
the local Stripe peer and, with STRIPE_TEST_SECRET_KEY, Stripe's test mode (``stripe_backend``).
Disputes come from Stripe's test card ``pm_card_createDispute`` (the peer has it too) and are won or
lost by Stripe's evidence texts ``winning_evidence`` / ``losing_evidence``."""

import threading
import time

import pytest
from django.db import connection

from billing import chart
from billing.models import Dispute, JournalEntry, Payment, Refund
from billing.selectors import balance_of, balances_from_lines
from billing.services.disputes import dispute_evidence_submit
from billing.services.payments import payment_create, payment_sync
from billing.services.refunds import refund_create
from core.errors import ConflictError
from tests.billing.factories import lines_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _paid_tip(backend, payer, creator, *, amount=1000, key="tip:1", currency="usd", pm="pm_card_visa"):
    return payment_create(
        payer=payer,
        beneficiary=creator,
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency=currency,
        idempotency_key=backend.key(key),
        payment_method_id=pm,
    )


def _fee(backend, payment) -> int:
    charge = backend.api().charges.retrieve(payment.stripe_charge_id, params={"expand": ["balance_transaction"]})
    return charge.balance_transaction.fee


def test_partial_refunds_in_odd_pieces_give_back_exactly_the_creators_share(stripe_backend):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(stripe_backend, payer, creator, amount=999)
    captured = lines_of(f"payment:{payment.pk}:captured")
    creator_share = -captured[chart.creator(creator.pk, "pending")]
    fee = _fee(stripe_backend, payment)

    first = refund_create(payment=payment, amount=333, reason="one third")
    refund_create(payment=payment, amount=333, reason="two thirds")
    last = refund_create(payment=payment, reason="the rest")

    payment.refresh_from_db()
    assert first.status == Refund.Status.SUCCEEDED
    assert last.amount == 333
    assert payment.status == Payment.Status.REFUNDED
    assert payment.amount_refunded == 999
    refunds = JournalEntry.objects.filter(kind=JournalEntry.Kind.REFUND)
    # Three refunds and the rounding entry posted once all of it was refunded.
    assert refunds.count() == 4
    per_refund = [
        lines_of(f"refund:{r.stripe_refund_id}")[chart.creator(creator.pk, "pending")] for r in Refund.objects.all()
    ]
    each = creator_share * 333 // 999  # rounded down each time
    assert per_refund == [each, each, each]
    assert lines_of(f"payment:{payment.pk}:refund-rounding") == {
        chart.creator(creator.pk, "pending"): creator_share - 3 * each,
        chart.revenue("tip"): -(creator_share - 3 * each),
    }
    if stripe_backend.is_peer:  # 95% of (999 - 59) = 893.0; 893 x 333 / 999 = 297.67 -> 297
        assert (creator_share, each) == (893, 297)
    assert creator_share == (999 - fee) * 95 // 100
    # The creator gave back all of their share.
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == 0
    # Stripe keeps its fee on refunds: the platform is out of pocket by exactly the fee.
    assert balance_of(account=chart.STRIPE_BALANCE, currency="usd") == -fee
    assert balance_of(account=chart.STRIPE_FEES, currency="usd") == fee
    assert balance_of(account=chart.revenue("tip"), currency="usd") == 0
    assert sum(balances_from_lines().values()) == 0


def test_a_refund_takes_from_pending_then_available_which_may_go_into_debt(stripe_backend):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(stripe_backend, payer, creator, amount=2000)
    share = (2000 - _fee(stripe_backend, payment)) * 95 // 100
    from billing.services.ledger import Line, entry_post

    # The creator's share is 95% of (2000 - fee) (the peer: 95% of 1912 = 1816.4 -> 1816). The hold
    # period of most of it is over: 1700 moved to available, 1500 of that paid out.
    pending, available = chart.creator(creator.pk, "pending"), chart.creator(creator.pk, "available")
    entry_post(
        kind="hold_released",
        idempotency_key="hold:1",
        lines=[Line(pending, 1700, "usd"), Line(available, -1700, "usd")],
    )
    entry_post(
        kind="payout",
        idempotency_key="payout:1",
        lines=[Line(available, 1500, "usd"), Line(chart.TRANSFERS_IN_FLIGHT, -1500, "usd")],
    )

    refund_create(payment=payment, reason="fraud reported by the cardholder")

    lines = lines_of(f"refund:{Refund.objects.get().stripe_refund_id}")
    assert lines[pending] == share - 1700  # all that was pending (the peer: 116)
    assert share == 1816 or not stripe_backend.is_peer
    assert lines[available] == 1700  # the rest, from available
    assert balance_of(account=available, currency="usd") == 1500  # the creator owes what was paid out
    assert balance_of(account=pending, currency="usd") == 0


@pytest.mark.django_db(transaction=True)
def test_two_refunds_racing_on_one_payment_never_refund_more_than_was_paid(stripe_backend):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(stripe_backend, payer, creator, amount=1000)
    outcomes = []
    barrier = threading.Barrier(4)

    def refund(amount):
        try:
            barrier.wait()
            outcomes.append(("ok", refund_create(payment=payment, amount=amount, reason="race").amount))
        except ConflictError as error:
            outcomes.append((error.code, amount))
        finally:
            connection.close()

    threads = [threading.Thread(target=refund, args=(amount,)) for amount in (600, 600, 400, 400)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refunded = sum(amount for result, amount in outcomes if result == "ok")
    assert len(outcomes) == 4
    assert refunded <= 1000
    # A late thread is refused with refund_exceeds_payment, or with payment_not_refundable once the
    # others have refunded all of it (the payment is then `refunded`).
    assert {result for result, _ in outcomes} <= {"ok", "refund_exceeds_payment", "payment_not_refundable"}
    assert refunded in {1000, 800, 600}  # 600+400, 400+400 (then 600 refused), or one 600 (the rest too late)
    payment.refresh_from_db()
    assert payment.amount_refunded == refunded
    assert stripe_backend.api().charges.retrieve(payment.stripe_charge_id).amount_refunded == refunded
    assert Refund.objects.filter(status=Refund.Status.SUCCEEDED).count() == sum(1 for r, _ in outcomes if r == "ok")
    refund_entries = JournalEntry.objects.filter(kind=JournalEntry.Kind.REFUND, idempotency_key__startswith="refund:")
    assert refund_entries.count() == sum(1 for r, _ in outcomes if r == "ok")
    assert sum(balances_from_lines().values()) == 0


def test_refunds_beyond_the_amount_or_of_unpaid_payments_are_refused(stripe_backend):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(stripe_backend, payer, creator, amount=1000)

    with pytest.raises(ConflictError) as error:
        refund_create(payment=payment, amount=1001, reason="too much")
    assert error.value.code == "refund_exceeds_payment"
    from billing.services.refunds import RefundInvalidError

    with pytest.raises(RefundInvalidError) as invalid:
        refund_create(payment=payment, amount=0, reason="nothing")
    assert invalid.value.code == "amount_invalid"
    pending = payment_create(
        payer=payer,
        beneficiary=creator,
        purpose="tip",
        amount=500,
        currency="usd",
        idempotency_key=stripe_backend.key("tip:2"),
    )
    with pytest.raises(ConflictError) as error:
        refund_create(payment=pending, reason="never paid")
    assert error.value.code == "payment_not_refundable"
    assert Refund.objects.count() == 0


def _disputed_tip(backend, payer, creator, *, amount=1000):
    """A tip paid with Stripe's test card that the cardholder disputes (``pm_card_createDispute``);
    Fanfare learns of the dispute by syncing the payment (as a webhook would make it)."""
    payment = _paid_tip(backend, payer, creator, amount=amount, pm="pm_card_createDispute")
    remote = backend.dispute_of(payment.stripe_payment_intent_id)
    payment_sync(payment_intent_id=payment.stripe_payment_intent_id)
    return payment, Dispute.objects.get(payment=payment), remote


def _decided(backend, dispute, timeout: float = 120.0):
    """The dispute once Stripe has decided it (test mode decides a few seconds after the evidence)."""
    deadline = time.monotonic() + timeout
    while dispute.status not in {Dispute.Status.WON, Dispute.Status.LOST} and time.monotonic() < deadline:
        time.sleep(2)
        payment_sync(payment_intent_id=dispute.payment.stripe_payment_intent_id)
        dispute.refresh_from_db()
    return dispute


def test_a_dispute_moves_amount_and_fee_and_holds_the_creators_share_then_won_releases_it(stripe_backend):
    payer, creator = UserFactory(), UserFactory()
    pending, held = chart.creator(creator.pk, "pending"), chart.creator(creator.pk, "held")

    payment, dispute, remote = _disputed_tip(stripe_backend, payer, creator, amount=1000)

    withdrawn = remote["balance_transactions"][0]["net"]  # the amount and Stripe's dispute fee
    share = -lines_of(f"payment:{payment.pk}:captured")[pending]
    assert lines_of(f"dispute:{dispute.stripe_dispute_id}:opened") == {
        chart.STRIPE_BALANCE: withdrawn,
        chart.DISPUTES: -withdrawn,
        pending: share,
        held: -share,
    }
    if stripe_backend.is_peer:  # 1000 withdrawn + the 1500 dispute fee; 95% of 941
        assert (withdrawn, share) == (-2500, 893)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED

    dispute = dispute_evidence_submit(
        dispute=dispute, evidence={"uncategorized_text": "winning_evidence", "product_description": "A tip"}
    )
    dispute = _decided(stripe_backend, dispute)

    assert dispute.status == Dispute.Status.WON
    assert dispute.evidence_submitted_at is not None
    assert lines_of(f"dispute:{dispute.stripe_dispute_id}:won") == {
        chart.STRIPE_BALANCE: -withdrawn,
        chart.DISPUTES: withdrawn,
        held: share,
        pending: -share,
    }
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert balance_of(account=held, currency="usd") == 0
    assert balance_of(account=chart.DISPUTES, currency="usd") == 0


def test_a_lost_dispute_writes_off_the_held_share_and_the_platforms_loss(stripe_backend):
    payer, creator = UserFactory(), UserFactory()
    payment, dispute, remote = _disputed_tip(stripe_backend, payer, creator, amount=1000)
    withdrawn = remote["balance_transactions"][0]["net"]
    share = -lines_of(f"payment:{payment.pk}:captured")[chart.creator(creator.pk, "pending")]

    dispute = dispute_evidence_submit(dispute=dispute, evidence={"uncategorized_text": "losing_evidence"})
    dispute = _decided(stripe_backend, dispute)

    assert dispute.status == Dispute.Status.LOST
    assert lines_of(f"dispute:{dispute.stripe_dispute_id}:lost") == {
        chart.DISPUTES: withdrawn,
        chart.DISPUTE_LOSSES: -withdrawn - share,  # the fee and the platform's part
        chart.creator(creator.pk, "held"): share,  # the creator's part, written off
    }
    if stripe_backend.is_peer:
        assert (withdrawn, share) == (-2500, 893)
    with pytest.raises(ConflictError) as error:
        dispute_evidence_submit(dispute=dispute, evidence={"uncategorized_text": "again"})
    assert error.value.code == "dispute_not_open"
    assert sum(balances_from_lines().values()) == 0
