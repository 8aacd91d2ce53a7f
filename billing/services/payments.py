"""Payments: ``payment_create`` for every app that charges, and the status machine that follows Stripe.

A Payment's status, its refunds and disputes, and its ledger entries are all derived from
Stripe's current state of its PaymentIntent (``payment_sync``), whichever event announced the
change. So events may arrive in any order, twice, or not at all (``billing_reconcile`` syncs
too): every sync converges on the same rows and the same entries, whose idempotency keys are
named after Stripe's objects (``payment:<id>:captured``, ``refund:<re_id>``,
``dispute:<dp_id>:opened`` / ``:won`` / ``:lost``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import chart, purposes
from billing.models import Dispute, JournalEntry, Payment, Refund
from billing.money import (
    STRIPE_MAX_AMOUNT,
    format_amount,
    minimum_amount,
    proportional_part,
    share_of,
    supported_currencies,
)
from billing.services import ledger
from billing.services.customers import customer_get_or_create
from billing.services.ledger import Line
from billing.stripe_api import PaymentDeclinedError, calling_stripe, client, stripe_get
from core.errors import ApplicationError
from core.ids import uuid7

logger = logging.getLogger(__name__)

S = Payment.Status
# The one list of moves (Stripe decides; a move not listed is logged and followed all the same,
# because Stripe is the source of truth for what happened at Stripe).
_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.REQUIRES_ACTION, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED},
    S.REQUIRES_ACTION: {S.PENDING, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED},
    S.PROCESSING: {S.SUCCEEDED, S.FAILED, S.CANCELED},
    S.FAILED: {S.PENDING, S.REQUIRES_ACTION, S.PROCESSING, S.SUCCEEDED, S.CANCELED},
    S.SUCCEEDED: {S.PARTIALLY_REFUNDED, S.REFUNDED, S.DISPUTED},
    S.PARTIALLY_REFUNDED: {S.REFUNDED, S.DISPUTED},
    S.DISPUTED: {S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.REFUNDED: {S.DISPUTED},
    S.CANCELED: set(),
}
# Purposes whose money goes (in part) to a creator, by MONEY.md's share rule.
CREATOR_PURPOSES = {Payment.Purpose.MEMBERSHIP, Payment.Purpose.TIP}
_CLOSED_DISPUTE = {"won", "warning_closed"}


class PaymentInvalidError(ApplicationError):
    default_code = "payment_invalid"
    default_message = "This payment cannot be made."


@dataclass(frozen=True)
class StripeState:
    """What Stripe says about one PaymentIntent: the intent, its charge (with balance transaction),
    its refunds and disputes (each with balance transactions)."""

    intent: Any
    charge: Any | None
    refunds: Sequence[Any]
    disputes: Sequence[Any]


def _validate(*, amount: Any, currency: Any, purpose: str, payer, beneficiary) -> str:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise PaymentInvalidError("The amount is a positive whole number of minor units.", code="amount_invalid")
    currency = str(currency or "").lower()
    if currency not in supported_currencies():
        raise PaymentInvalidError(
            f"Fanfare does not charge in {currency.upper() or 'that currency'}.", code="currency_unsupported"
        )
    if amount < minimum_amount(currency):
        raise PaymentInvalidError(
            f"The smallest amount in {currency.upper()} is {format_amount(minimum_amount(currency), currency)}.",
            code="amount_too_small",
        )
    if amount > STRIPE_MAX_AMOUNT:
        raise PaymentInvalidError(
            f"The largest amount is {format_amount(STRIPE_MAX_AMOUNT, currency)}.", code="amount_too_large"
        )
    if purpose not in Payment.Purpose.values:
        raise PaymentInvalidError(f"Unknown purpose {purpose!r}.", code="purpose_unknown")
    if purpose in CREATOR_PURPOSES and beneficiary is None:
        raise PaymentInvalidError("A membership or tip is for a creator.", code="beneficiary_required")
    if beneficiary is not None and beneficiary.pk == payer.pk:
        raise PaymentInvalidError("You cannot pay yourself.", code="beneficiary_is_payer")
    return currency


def payment_create(
    *,
    payer,
    purpose: str,
    amount: int,
    currency: str,
    idempotency_key: str,
    beneficiary=None,
    purpose_ref: str = "",
    description: str = "",
    payment_method_id: str = "",
    off_session: bool = False,
    return_url: str | None = None,
) -> Payment:
    """Charge ``payer`` for ``purpose`` (the one way any app takes money).

    ``idempotency_key`` names the domain operation (``tip:<donation id>``): calling again with it
    returns the same Payment and never charges twice (Stripe gets ``payment:<key>`` as its key).
    With ``payment_method_id`` the PaymentIntent is confirmed at once: the Payment comes back
    ``succeeded`` (its capture entry posted in the same transaction), ``requires_action``
    (3-D Secure: the client confirms with ``client_secret``), or the card is declined (the
    Payment is kept as ``failed`` and ``PaymentDeclinedError``, 402, is raised). Without one,
    the Payment is ``pending`` and the client confirms the intent with Stripe.js.
    Stripe unreachable: 503 ``payment_provider_unavailable`` and nothing is written.
    """
    currency = _validate(amount=amount, currency=currency, purpose=purpose, payer=payer, beneficiary=beneficiary)
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    customer = customer_get_or_create(user=payer)
    payment_id = uuid7()
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "customer": customer.stripe_customer_id,
        "description": description or None,
        "payment_method_types": ["card"],
        "metadata": {
            "fanfare_payment_id": str(payment_id),
            "purpose": str(purpose),
            "purpose_ref": purpose_ref,
            "payer_id": str(payer.pk),
            "beneficiary_id": str(beneficiary.pk) if beneficiary else "",
            "idempotency_key": idempotency_key,
        },
        "expand": ["latest_charge.balance_transaction"],
    }
    if payment_method_id:
        params.update(payment_method=payment_method_id, confirm=True)
        if off_session:
            params["off_session"] = True
        if return_url:
            params["return_url"] = return_url
    declined: PaymentDeclinedError | None = None
    intent = None
    try:
        with calling_stripe("payment intent create"):
            intent = client().v1.payment_intents.create(
                params=params, options={"idempotency_key": f"payment:{idempotency_key}"}
            )
    except PaymentDeclinedError as error:
        declined = error
        stripe_error = error.__cause__
        intent = getattr(getattr(stripe_error, "error", None), "payment_intent", None)
        if intent is None:
            raise
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                id=payment_id,
                payer=payer,
                beneficiary=beneficiary,
                purpose=purpose,
                purpose_ref=purpose_ref,
                description=description,
                amount=amount,
                currency=currency,
                idempotency_key=idempotency_key,
                stripe_payment_intent_id=intent.id,
                livemode=bool(intent.livemode),
            )
            charge = intent.latest_charge if not isinstance(intent.latest_charge, str) else None
            _apply(payment, StripeState(intent=intent, charge=charge, refunds=[], disputes=[]), locked=True, new=True)
    except IntegrityError:
        # The same operation raced itself: Stripe's idempotency key gave both one intent.
        payment = Payment.objects.get(idempotency_key=idempotency_key)
    if declined is not None:
        raise declined
    return payment


def payment_client_secret(*, payment: Payment) -> str:
    """The PaymentIntent's client secret, for the payer's client to confirm or authenticate."""
    with calling_stripe("payment intent retrieve"):
        return client().v1.payment_intents.retrieve(payment.stripe_payment_intent_id).client_secret


def stripe_state_fetch(*, payment_intent_id: str) -> StripeState:
    """Stripe's current state of one PaymentIntent: one API call (the intent, its latest charge with
    its balance transaction and its first refunds with theirs, its payment method), and one more for
    the refunds when a charge has more than the first page (10) and for the disputes when disputed."""
    api = client().v1
    with calling_stripe("payment state"):
        intent = stripe_get(
            f"/v1/payment_intents/{quote_plus(payment_intent_id)}",
            expand=[
                "latest_charge.balance_transaction",
                "latest_charge.refunds.data.balance_transaction",
                "payment_method",
            ],
        )
        charge = intent.latest_charge if intent.latest_charge and not isinstance(intent.latest_charge, str) else None
        refunds: list[Any] = []
        disputes: list[Any] = []
        if charge is not None and charge.amount_refunded:
            embedded = charge.get("refunds")
            if embedded is not None and not embedded.get("has_more"):
                refunds = list(embedded.data)
            else:
                refunds = _all(
                    api.refunds.list(params={"charge": charge.id, "limit": 100, "expand": ["data.balance_transaction"]})
                )
        if charge is not None and charge.disputed:
            disputes = _all(api.disputes.list(params={"charge": charge.id, "limit": 100}))
    return StripeState(intent=intent, charge=charge, refunds=refunds, disputes=disputes)


def _all(listing: Any) -> list[Any]:
    return list(listing.auto_paging_iter())


def payment_sync(
    *,
    payment_intent_id: str,
    state: StripeState | None = None,
    read_at: datetime | None = None,
    savepoint: bool = True,
    payment: Payment | None = None,
    new: bool = False,
) -> Payment | None:
    """Bring the Payment of ``payment_intent_id`` (and its refunds, disputes, entries) up to Stripe.

    ``state``: a full read of Stripe's state of it (``stripe_state_fetch``) made after its row was
    locked; without it, it is read here. ``read_at``: when that read began, given by the webhook
    batches (which also sync dj-stripe's mirror from it); the payment keeps it (``stripe_read_at``),
    and webhook events created before it need no read of their own.

    A PaymentIntent Fanfare did not make (no ``fanfare_payment_id`` in its metadata) is left
    alone: None. One Fanfare made whose row is missing (the insert failed after Stripe answered)
    gets its row back from the metadata.

    ``savepoint=False``: inside a caller's transaction that rolls back whole when this fails (the
    webhook batches), no savepoint of its own (two round trips a payment).

    ``payment``: its row, locked by the caller before ``state`` was read (the webhook batches lock
    their payments, and make the missing ones from the metadata, ``payments_from_metadata``, in
    bulk); ``new``: that row was just made.
    """
    with transaction.atomic(savepoint=savepoint):
        if payment is None or state is None:
            rows = Payment.objects.select_for_update().filter(stripe_payment_intent_id=payment_intent_id)
            payment, new = rows.first(), False
        # Read Stripe while holding the row: a state read before another sync's commit (two refunds
        # racing) would otherwise be applied after it and move the payment back.
        if state is None:
            read_at = None  # only a batch's read, which mirrors too, covers events
            state = stripe_state_fetch(payment_intent_id=payment_intent_id)
        metadata = dict(state.intent.metadata or {})
        new = new or payment is None
        if payment is None:
            payment = _payment_from_metadata(state.intent, metadata)
            if payment is None:
                return None
        if read_at is not None and (payment.stripe_read_at is None or read_at > payment.stripe_read_at):
            payment.stripe_read_at = read_at
        _apply(payment, state, locked=True, new=new)
    return payment


def _payment_from_metadata(intent: Any, metadata: dict[str, str]) -> Payment | None:
    return payments_from_metadata([intent]).get(intent.id)


def _metadata_usable(metadata: dict[str, str]) -> bool:
    return bool(metadata.get("fanfare_payment_id")) and metadata.get("purpose") in Payment.Purpose.values


def payments_from_metadata(intents: Sequence[Any]) -> dict[str, Payment]:
    """The rows of PaymentIntents Fanfare made (``fanfare_payment_id`` in their metadata) whose row is
    missing, made from the metadata unless there (one INSERT for all, no savepoint; the users in one
    query), then locked as any sync locks them (one query): by intent id. Others are left out."""
    from django.contrib.auth import get_user_model

    usable = [(intent, dict(intent.metadata or {})) for intent in intents]
    usable = [(intent, metadata) for intent, metadata in usable if _metadata_usable(metadata)]
    if not usable:
        return {}
    wanted = {m.get(k) for _intent, m in usable for k in ("payer_id", "beneficiary_id")} - {None, ""}
    users = {str(user.pk): user for user in get_user_model().objects.filter(pk__in=wanted)} if wanted else {}
    Payment.objects.bulk_create(
        [
            Payment(
                id=UUID(metadata["fanfare_payment_id"]),
                stripe_payment_intent_id=intent.id,
                payer=users.get(metadata.get("payer_id") or ""),
                beneficiary=users.get(metadata.get("beneficiary_id") or ""),
                purpose=metadata["purpose"],
                purpose_ref=metadata.get("purpose_ref", ""),
                amount=intent.amount,
                currency=intent.currency,
                idempotency_key=metadata.get("idempotency_key") or f"stripe:{intent.id}",
                livemode=bool(intent.livemode),
            )
            for intent, metadata in sorted(usable, key=lambda pair: pair[0].id)
        ],
        ignore_conflicts=True,
    )
    locked = Payment.objects.select_for_update().filter(
        stripe_payment_intent_id__in=[intent.id for intent, _metadata in usable]
    )
    return {payment.stripe_payment_intent_id: payment for payment in locked.order_by("id")}


@dataclass
class _Prefetched:
    """What ``syncs_prefetched`` read in bulk for the syncs within it."""

    refunds_by_stripe_id: dict[str, Refund]
    refunds_by_pk: dict[str, Refund]
    unclaimed_keys: set[str]  # idempotency keys no entry held when read


_PREFETCHED: ContextVar[_Prefetched | None] = ContextVar("billing_syncs_prefetched", default=None)


@contextmanager
def syncs_prefetched(states: Sequence[StripeState]) -> Iterator[None]:
    """Within: the syncs of these payments (their rows locked by the caller, so no other sync or
    refund can change their refunds meanwhile) find their refund rows, and whether each refund's
    entry was posted, in what one query each read here for all of them, instead of two queries per
    refund. A key read as unclaimed is still claimed by ``entry_post`` (another poster waits, and
    finds it), so reading it early changes nothing but the number of round trips."""
    remotes = [refund for state in states for refund in state.refunds]
    if not remotes:
        yield
        return
    stripe_ids = {refund.id for refund in remotes}
    fanfare_ids = {dict(refund.metadata or {}).get("fanfare_refund_id") for refund in remotes} - {None, ""}
    by_stripe_id = {row.stripe_refund_id: row for row in Refund.objects.filter(stripe_refund_id__in=stripe_ids)}
    by_pk = {}
    valid_ids = []
    for value in fanfare_ids:
        try:
            valid_ids.append(UUID(str(value)))
        except ValueError:
            continue
    if valid_ids:
        by_pk = {str(row.pk): row for row in Refund.objects.filter(pk__in=valid_ids)}
    keys = {f"refund:{refund_id}" for refund_id in stripe_ids}
    unclaimed = keys - ledger.keys_claimed(keys=keys)
    token = _PREFETCHED.set(_Prefetched(by_stripe_id, by_pk, unclaimed))
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def _refund_row(payment: Payment, remote: Any, metadata: dict[str, str]) -> Refund | None:
    prefetched = _PREFETCHED.get()
    if prefetched is None:
        row = Refund.objects.filter(stripe_refund_id=remote.id).first()
        if row is None and metadata.get("fanfare_refund_id"):
            row = Refund.objects.filter(pk=metadata["fanfare_refund_id"], payment=payment).first()
        return row
    row = prefetched.refunds_by_stripe_id.pop(remote.id, None)
    if row is None and metadata.get("fanfare_refund_id"):
        row = prefetched.refunds_by_pk.pop(str(metadata["fanfare_refund_id"]), None)
        if row is not None and row.payment_id != payment.pk:
            row = None
    return row


def _refund_entry(key: str) -> JournalEntry | None:
    """The refund's entry (``entry_get_by_key``), None without a query when ``syncs_prefetched`` read
    its key as unclaimed (each key is asked once in a sync)."""
    prefetched = _PREFETCHED.get()
    if prefetched is not None and key in prefetched.unclaimed_keys:
        prefetched.unclaimed_keys.discard(key)
        return None
    return ledger.entry_get_by_key(idempotency_key=key)


def _status_from(state: StripeState) -> str:
    intent = state.intent
    if intent.status == "requires_payment_method":
        return S.FAILED if intent.last_payment_error else S.PENDING
    if intent.status == "requires_confirmation":
        return S.PENDING
    if intent.status in {"requires_action", "processing", "canceled"}:
        return intent.status
    if intent.status != "succeeded":
        return S.PENDING
    if any(dispute.status not in _CLOSED_DISPUTE for dispute in state.disputes):
        return S.DISPUTED
    refunded = state.charge.amount_refunded if state.charge is not None else 0
    if refunded >= intent.amount:
        return S.REFUNDED
    if refunded > 0:
        return S.PARTIALLY_REFUNDED
    return S.SUCCEEDED


def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _apply(payment: Payment, state: StripeState, *, locked: bool, new: bool = False) -> None:
    """Make ``payment`` (row locked by the caller) say what ``state`` says; post what is missing.

    ``new``: the row was just made (by ``payment_create`` or from the intent's metadata), so any
    first status is a valid start.
    """
    assert locked
    old_status, old_refunded = payment.status, payment.amount_refunded
    intent, charge = state.intent, state.charge
    new_status = _status_from(state)
    if intent.last_payment_error and new_status == S.FAILED:
        error = intent.last_payment_error
        payment.failure_code = (getattr(error, "decline_code", None) or error.code or "")[:64]
        payment.failure_message = (error.message or "")[:500]
    pm = intent.payment_method
    if pm:
        payment.stripe_payment_method_id = pm if isinstance(pm, str) else pm.id
    if charge is not None and charge.status == "succeeded":
        payment.stripe_charge_id = charge.id
        payment.receipt_url = charge.receipt_url or ""
        payment.amount_refunded = min(charge.amount_refunded, payment.amount)
        txn = charge.balance_transaction
        if txn is not None and isinstance(txn, str):
            with calling_stripe("balance transaction retrieve"):
                txn = client().v1.balance_transactions.retrieve(txn)
        if txn is not None:
            payment.fee = txn.fee
            _post_capture(payment, txn)
            payment.succeeded_at = payment.succeeded_at or _ts(charge.created) or timezone.now()
    for refund in sorted(state.refunds, key=lambda r: (r.created, r.id)):
        _apply_refund(payment, refund)
    _post_refund_rounding(payment, state.refunds)
    for dispute in state.disputes:
        _apply_dispute(payment, dispute)
    if not new and new_status != old_status and new_status not in _TRANSITIONS.get(old_status, set()):
        logger.warning("payment %s: Stripe moved it %s -> %s (not a listed move)", payment.pk, old_status, new_status)
    payment.status = new_status
    payment.save()
    if new_status != old_status:
        hook = {S.SUCCEEDED: "succeeded", S.FAILED: "failed", S.CANCELED: "canceled"}.get(new_status)
        if hook and not (hook == "succeeded" and old_status in {S.DISPUTED, S.PARTIALLY_REFUNDED, S.REFUNDED}):
            purposes.notify(payment.purpose, hook, payment=payment)
    if payment.amount_refunded > old_refunded:
        purposes.notify(payment.purpose, "refunded", payment=payment, amount=payment.amount_refunded - old_refunded)


# -- the capture entry ------------------------------------------------------------------------
def allocation_lines(payment: Payment, *, gross: int, fee: int) -> list[Line]:
    """Who the gross belongs to (credits summing to -gross), by MONEY.md's rule for the purpose.

    Memberships and tips: the creator's share (``BILLING_CREATOR_SHARE_BPS``, of the gross, or of
    the gross less Stripe's fee when ``BILLING_FEE_BEARER`` says the creator bears it; rounded
    down) to ``creator:<id>:pending``, the rest to ``platform:revenue:<kind>``. Ad top-ups: all of
    it to ``advertiser:<id>:prepaid``.
    """
    currency = payment.currency
    if payment.purpose == Payment.Purpose.AD_TOPUP:
        owner = payment.beneficiary_id or payment.payer_id
        return [Line(chart.advertiser_prepaid(owner), -gross, currency)]
    bps = settings.BILLING_CREATOR_SHARE_BPS.get(payment.purpose, 0)
    base = gross - fee if settings.BILLING_FEE_BEARER.get(payment.purpose) == "creator" else gross
    creator_net = share_of(max(base, 0), bps) if payment.beneficiary_id else 0
    lines = [Line(chart.revenue(payment.purpose), -(gross - creator_net), currency)]
    if creator_net:
        lines.append(Line(chart.creator(payment.beneficiary_id, "pending"), -creator_net, currency))
    return lines


def capture_lines(payment: Payment, *, gross: int, fee: int, net: int) -> list[Line]:
    currency = payment.currency
    return [
        Line(chart.STRIPE_BALANCE, net, currency),
        Line(chart.STRIPE_FEES, fee, currency),
        *allocation_lines(payment, gross=gross, fee=fee),
    ]


def _post_capture(payment: Payment, txn: Any) -> None:
    ledger.entry_post(
        kind=JournalEntry.Kind.PAYMENT_CAPTURED,
        idempotency_key=f"payment:{payment.pk}:captured",
        lines=capture_lines(payment, gross=txn.amount, fee=txn.fee, net=txn.net),
        source=txn.id,
        payment_id=payment.pk,
        memo=f"{payment.get_purpose_display()} {payment.stripe_charge_id}",
    )


def _creator_share(payment: Payment) -> int:
    """The creator's part of the payment's capture entry (0 when the purpose has none)."""
    if payment.purpose not in CREATOR_PURPOSES or not payment.beneficiary_id:
        return 0
    lines = allocation_lines(payment, gross=payment.amount, fee=payment.fee)
    return -sum(line.amount for line in lines if line.account.startswith("creator:"))


def _creator_debit(payment: Payment, amount: int) -> list[Line]:
    """Take ``amount`` back from the creator: pending first, then available (which may go
    positive: the creator owes it, and the next payouts net it off)."""
    if amount <= 0:
        return []
    creator, currency = payment.beneficiary_id, payment.currency
    pending_name, available_name = chart.creator(creator, "pending"), chart.creator(creator, "available")
    accounts = ledger.accounts_lock(names=[pending_name, available_name], currency=currency)
    owed_pending = max(0, -accounts[pending_name].balance)
    from_pending = min(amount, owed_pending)
    lines = []
    if from_pending:
        lines.append(Line(pending_name, from_pending, currency))
    if amount - from_pending:
        lines.append(Line(available_name, amount - from_pending, currency))
    return lines


# -- refunds ----------------------------------------------------------------------------------
def _apply_refund(payment: Payment, remote: Any) -> None:
    metadata = dict(remote.metadata or {})
    row = _refund_row(payment, remote, metadata)
    if row is None:
        row = Refund(payment=payment, amount=remote.amount, currency=remote.currency, reason=remote.reason or "")
    row.stripe_refund_id = remote.id
    key = f"refund:{remote.id}"
    if remote.status == "succeeded":
        row.status = Refund.Status.SUCCEEDED
        row.save()
        if _refund_entry(key) is None:
            ledger.entry_post(
                kind=JournalEntry.Kind.REFUND,
                idempotency_key=key,
                lines=_refund_lines(payment, remote),
                source=remote.id,
                payment_id=payment.pk,
                memo=f"Refund {remote.id}: {row.reason}"[:500],
            )
    elif remote.status in {"failed", "canceled"}:
        row.status = Refund.Status.FAILED
        row.failure_reason = (getattr(remote, "failure_reason", None) or remote.status)[:255]
        row.save()
        posted = _refund_entry(key)
        if posted is not None:
            ledger.entry_reverse(entry=posted, memo=f"Refund {remote.id} {remote.status}")
    else:
        row.save()


def _refund_lines(payment: Payment, remote: Any) -> list[Line]:
    """A refund's lines. Each share is of this refund alone, rounded down (so an entry never
    depends on the order refunds are seen in); what the rounding left is settled once the
    payment is fully refunded (``_post_refund_rounding``)."""
    currency, amount = payment.currency, remote.amount
    txn = remote.balance_transaction
    net, fee = -amount, 0
    if txn is not None and not isinstance(txn, str):
        net, fee = txn.net, txn.fee
    lines = [Line(chart.STRIPE_BALANCE, net, currency)]
    if fee:
        lines.append(Line(chart.STRIPE_FEES, fee, currency))
    allocation = allocation_lines(payment, gross=payment.amount, fee=payment.fee)
    giving_back = 0
    for line in allocation:
        if line.account.startswith("platform:revenue:"):
            continue
        part = -proportional_part(total=line.amount, part_before=0, part=amount, whole=payment.amount)
        giving_back += part
        if line.account.startswith("creator:"):
            lines.extend(_creator_debit(payment, part))
        else:
            lines.append(Line(line.account, part, currency))
    revenue = [line for line in allocation if line.account.startswith("platform:revenue:")]
    if revenue:
        lines.append(Line(revenue[0].account, -net - fee - giving_back, currency))
    return lines


def _post_refund_rounding(payment: Payment, refunds: Sequence[Any]) -> None:
    """Once all of a payment is refunded, give the creator's last rounded-down units back too,
    so a payment refunded in odd pieces returns exactly what a full refund would."""
    succeeded = [refund for refund in refunds if refund.status == "succeeded"]
    if sum(refund.amount for refund in succeeded) != payment.amount:
        return
    key = f"payment:{payment.pk}:refund-rounding"
    if ledger.entry_get_by_key(idempotency_key=key) is not None:
        return
    allocation = allocation_lines(payment, gross=payment.amount, fee=payment.fee)
    revenue = [line for line in allocation if line.account.startswith("platform:revenue:")]
    lines: list[Line] = []
    settled = 0
    for line in allocation:
        if not line.account.startswith("creator:"):
            continue
        given_back = sum(
            -proportional_part(total=line.amount, part_before=0, part=refund.amount, whole=payment.amount)
            for refund in succeeded
        )
        remainder = -line.amount - given_back
        if remainder > 0:
            lines.extend(_creator_debit(payment, remainder))
            settled += remainder
    if not settled or not revenue:
        return
    lines.append(Line(revenue[0].account, -settled, payment.currency))
    ledger.entry_post(
        kind=JournalEntry.Kind.REFUND,
        idempotency_key=key,
        lines=lines,
        source=payment.stripe_charge_id,
        payment_id=payment.pk,
        memo="Rounding of the creator's share, the payment being fully refunded",
    )


# -- disputes ---------------------------------------------------------------------------------
def _apply_dispute(payment: Payment, remote: Any) -> None:
    row = Dispute.objects.filter(stripe_dispute_id=remote.id).first()
    opened_now = row is None
    if row is None:
        row = Dispute(payment=payment, stripe_dispute_id=remote.id)
    row.amount, row.currency, row.reason, row.status = (
        remote.amount,
        remote.currency,
        remote.reason or "",
        remote.status,
    )
    details = remote.evidence_details
    row.evidence_due_by = _ts(getattr(details, "due_by", None)) if details else None
    if details and details.submission_count and row.evidence_submitted_at is None:
        row.evidence_submitted_at = timezone.now()
    txns = sorted(remote.balance_transactions or [], key=lambda t: (t.created, t.id))
    withdrawals = [txn for txn in txns if txn.amount < 0]
    reinstatements = [txn for txn in txns if txn.amount > 0]
    currency = payment.currency
    if withdrawals and ledger.entry_get_by_key(idempotency_key=f"dispute:{remote.id}:opened") is None:
        withdrawn = withdrawals[0]
        held = proportional_part(
            total=_creator_share(payment), part_before=0, part=min(remote.amount, payment.amount), whole=payment.amount
        )
        row.creator_held = held
        lines = [Line(chart.STRIPE_BALANCE, withdrawn.net, currency), Line(chart.DISPUTES, -withdrawn.net, currency)]
        if held:
            lines += _creator_debit(payment, held)
            lines.append(Line(chart.creator(payment.beneficiary_id, "held"), -held, currency))
        ledger.entry_post(
            kind=JournalEntry.Kind.DISPUTE_OPENED,
            idempotency_key=f"dispute:{remote.id}:opened",
            lines=lines,
            source=remote.id,
            payment_id=payment.pk,
            memo=f"Dispute {remote.id} ({remote.reason})",
        )
    row.save()
    withdrawn_total = -sum(txn.net for txn in withdrawals[:1])
    if remote.status == "won" and withdrawals:
        reinstated = sum(txn.net for txn in reinstatements)
        lines = [Line(chart.DISPUTES, -withdrawn_total, currency)]
        if reinstated:
            lines.append(Line(chart.STRIPE_BALANCE, reinstated, currency))
        if withdrawn_total - reinstated:
            lines.append(Line(chart.DISPUTE_LOSSES, withdrawn_total - reinstated, currency))
        if row.creator_held:
            lines += [
                Line(chart.creator(payment.beneficiary_id, "held"), row.creator_held, currency),
                Line(chart.creator(payment.beneficiary_id, "pending"), -row.creator_held, currency),
            ]
        _post_dispute_close(payment, remote, "won", lines)
    elif remote.status == "lost" and withdrawals:
        lines = [
            Line(chart.DISPUTES, -withdrawn_total, currency),
            Line(chart.DISPUTE_LOSSES, withdrawn_total - row.creator_held, currency),
        ]
        if row.creator_held:
            lines.append(Line(chart.creator(payment.beneficiary_id, "held"), row.creator_held, currency))
        _post_dispute_close(payment, remote, "lost", lines)
    if opened_now:
        purposes.notify(payment.purpose, "disputed", payment=payment, dispute=row)


def _post_dispute_close(payment: Payment, remote: Any, outcome: str, lines: list[Line]) -> None:
    key = f"dispute:{remote.id}:{outcome}"
    if ledger.entry_get_by_key(idempotency_key=key) is not None:
        return
    kind = JournalEntry.Kind.DISPUTE_WON if outcome == "won" else JournalEntry.Kind.DISPUTE_LOST
    ledger.entry_post(
        kind=kind,
        idempotency_key=key,
        lines=lines,
        source=remote.id,
        payment_id=payment.pk,
        memo=f"Dispute {remote.id} {outcome}",
    )
    row = Dispute.objects.get(stripe_dispute_id=remote.id)
    purposes.notify(payment.purpose, "dispute_closed", payment=payment, dispute=row, won=outcome == "won")
