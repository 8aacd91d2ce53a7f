"""Creators' earnings on their way out: the hold period, payout runs, two-person approval, transfers.

Every move is a ledger entry (MONEY.md, docs/billing.md "Payouts"):

| event | lines |
|---|---|
| hold period over (``earnings_release``) | ``creator:pending`` +x, ``creator:available`` -x |
| payout approved | ``creator:available`` +amount, ``platform:transfers_in_flight`` -net, |
| | ``platform:tax_withholding`` -withholding |
| transfer confirmed | ``platform:transfers_in_flight`` +net, ``platform:stripe_balance`` -net |
| transfer refused (failed) | the approval entry reversed |
| transfer reversed (r of it) | ``platform:stripe_balance`` +r, ``creator:available`` -r |
| all of it reversed | the withholding back to available too |
| moderation hold | ``creator:available`` +x, ``creator:held`` -x; lifting posts the reverse |

A creator's ``available`` balance is negative while Fanfare owes them (credits are negative); a
refund after a payout can make it positive (the creator owes), and the next payout is smaller by
that much: the balance is what a run pays, so it nets off by itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from billing import chart
from billing.models import ConnectAccount, JournalEntry, JournalLine, LedgerAccount, Payout, PayoutRun, TaxProfile
from billing.money import format_amount, share_of
from billing.services import ledger
from billing.services.ledger import Line
from billing.stripe_api import (
    PaymentProviderRejectedError,
    PaymentProviderUnavailableError,
    calling_stripe,
    client,
)
from core import side_effects
from core.errors import ApplicationError, ConflictError, PermissionDeniedError

logger = logging.getLogger(__name__)

P = Payout.Status


class PayoutError(ApplicationError):
    default_code = "payout_invalid"
    default_message = "This payout cannot be changed that way."


def payout_minimum(currency: str) -> int:
    return settings.BILLING_PAYOUT_MINIMUMS.get(currency, settings.BILLING_PAYOUT_MINIMUM_DEFAULT)


def _creator_id_of(account_name: str) -> str:
    return account_name.split(":")[1]


def _user(user_id):
    from accounts.models import User

    return User.objects.filter(pk=user_id).first()


def _in_good_standing(user) -> bool:
    from accounts.selectors import standing_error

    return user is not None and standing_error(user) is None


def _note(payout: Payout, text: str, by=None) -> None:
    who = getattr(by, "email", None) or "system"
    payout.notes = f"{payout.notes}{timezone.now():%Y-%m-%d %H:%M} {who}: {text}\n"


# -- the hold period ----------------------------------------------------------------------------
def earnings_release(*, now: dt.datetime | None = None) -> int:
    """Move earnings older than ``BILLING_EARNINGS_HOLD_DAYS`` from pending to available (beat: hourly).

    First in, first out: what left ``pending`` already (refunds, disputes, earlier releases) is
    counted against the oldest earnings. Returns how many entries were posted; running it again
    posts nothing (the key names the account and how much had left it).
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.BILLING_EARNINGS_HOLD_DAYS)
    posted = 0
    pending_accounts = LedgerAccount.objects.filter(
        name__startswith="creator:", name__endswith=":pending", balance__lt=0
    ).values_list("name", "currency")
    for name, currency in pending_accounts:
        with transaction.atomic():
            posted += _release_one(name, currency, cutoff)
    return posted


def _release_one(pending_name: str, currency: str, cutoff: dt.datetime) -> int:
    creator_id = _creator_id_of(pending_name)
    available_name = chart.creator(creator_id, "available")
    accounts = ledger.accounts_lock(names=[pending_name, available_name], currency=currency)
    pending = accounts[pending_name]
    sums = JournalLine.objects.filter(account=pending).aggregate(
        matured=Sum("amount", filter=Q(amount__lt=0, created_at__lte=cutoff)),
        out=Sum("amount", filter=Q(amount__gt=0)),
    )
    matured, out = -(sums["matured"] or 0), sums["out"] or 0
    releasable = min(-pending.balance, matured - out)
    if releasable <= 0:
        return 0
    ledger.entry_post(
        kind=JournalEntry.Kind.HOLD_RELEASED,
        idempotency_key=f"hold-release:{pending.pk}:{out}",
        lines=[Line(pending_name, releasable, currency), Line(available_name, -releasable, currency)],
        source=f"user:{creator_id}",
        memo=f"Hold period ({settings.BILLING_EARNINGS_HOLD_DAYS} days) over",
    )
    return 1


# -- payout runs --------------------------------------------------------------------------------
def period_before(day: dt.date) -> tuple[dt.date, dt.date]:
    """The last full week (Monday to Sunday) before ``day``'s week: what a run on ``day`` covers."""
    this_monday = day - dt.timedelta(days=day.weekday())
    return this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)


@dataclass
class PrepareResult:
    period: tuple[dt.date, dt.date]
    run: PayoutRun | None
    prepared: list[Payout] = field(default_factory=list)
    would_prepare: list[tuple[Any, str, int]] = field(default_factory=list)  # dry run: (creator id, currency, amount)
    skipped: dict[str, list[str]] = field(default_factory=dict)


def payouts_prepare(
    *, period: tuple[dt.date, dt.date] | None = None, dry_run: bool = False, today: dt.date | None = None
) -> PrepareResult:
    """One Payout per creator and currency whose available balance reaches the minimum, for ``period``.

    Left out (``skipped``, by reason): ``moderation_hold`` (suspended or banned), ``not_onboarded``
    (no enabled Connect account), ``open_payout`` (one not yet paid), ``below_minimum``,
    ``exists`` (this period's payout was made already: two runs at once make one).
    """
    period = period or period_before(today or timezone.localdate())
    start, end = period
    result = PrepareResult(period=period, run=None)
    if not dry_run:
        result.run, _ = PayoutRun.objects.get_or_create(period_start=start, period_end=end)
    candidates = LedgerAccount.objects.filter(
        name__startswith="creator:", name__endswith=":available", balance__lt=0
    ).values_list("name", "currency")
    for name, currency in candidates:
        creator_id = _creator_id_of(name)
        with transaction.atomic():
            reason = _prepare_one(creator_id, name, currency, result, dry_run=dry_run)
        if reason:
            result.skipped.setdefault(reason, []).append(f"{creator_id}:{currency}")
    if result.run is not None:
        with transaction.atomic():
            run = PayoutRun.objects.select_for_update().get(pk=result.run.pk)
            run.prepared_count = Payout.objects.filter(run=run).count()
            merged = dict(run.skipped)
            for reason, items in result.skipped.items():
                merged[reason] = sorted(set(merged.get(reason, [])) | set(items))
            run.skipped = merged
            run.save(update_fields=["prepared_count", "skipped", "updated_at"])
            result.run = run
    return result


def _prepare_one(creator_id: str, available_name: str, currency: str, result: PrepareResult, *, dry_run: bool) -> str:
    start, end = result.period
    # The account's row lock serializes runs (and approvals) on this creator's money.
    available = ledger.accounts_lock(names=[available_name], currency=currency)[available_name]
    amount = -available.balance
    if Payout.objects.filter(creator_id=creator_id, currency=currency, period_start=start, period_end=end).exists():
        return "exists"
    if Payout.objects.filter(creator_id=creator_id, currency=currency, status__in=Payout.OPEN).exists():
        return "open_payout"
    creator = _user(creator_id)
    if not _in_good_standing(creator):
        return "moderation_hold"
    connect = ConnectAccount.objects.filter(user_id=creator_id).first()
    if connect is None or connect.status != ConnectAccount.Status.ENABLED:
        return "not_onboarded"
    if amount < payout_minimum(currency):
        return "below_minimum"
    if dry_run:
        result.would_prepare.append((creator_id, currency, amount))
        return ""
    bps = TaxProfile.objects.filter(user_id=creator_id).values_list("withholding_bps", flat=True).first() or 0
    withholding = share_of(amount, bps)
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                run=result.run,
                creator_id=creator_id,
                currency=currency,
                period_start=start,
                period_end=end,
                amount=amount,
                withholding=withholding,
                net=amount - withholding,
                stripe_account_id=connect.stripe_account_id,
                notes=f"{timezone.now():%Y-%m-%d %H:%M} system: prepared by the run for {start}..{end}\n",
            )
    except IntegrityError:
        return "exists"
    result.prepared.append(payout)
    return ""


# -- two-person approval ------------------------------------------------------------------------
def _locked(payout: Payout) -> Payout:
    return Payout.objects.select_for_update().get(pk=payout.pk)


def _ensure_staff(by) -> None:
    if by is None or not by.has_perm("billing.approve_payout"):
        raise PermissionDeniedError("Only finance staff check and approve payouts.", code="payout_not_allowed")


def payout_check(*, payout: Payout, by) -> Payout:
    """The first of two people: checks a prepared payout (it then needs someone else's approval)."""
    _ensure_staff(by)
    with transaction.atomic():
        payout = _locked(payout)
        if payout.status != P.PREPARED:
            raise ConflictError(f"A {payout.status} payout cannot be checked.", code="payout_not_prepared")
        if by.pk == payout.creator_id:
            raise PermissionDeniedError("Nobody checks or approves their own payout.", code="payout_own")
        payout.status, payout.checked_by, payout.checked_at = P.CHECKED, by, timezone.now()
        _note(payout, "checked", by)
        payout.save()
    return payout


def payout_approve(*, payout: Payout, by) -> Payout:
    """The second person: approves a checked payout; its amount leaves available and the Transfer is
    sent after commit (``payout_transfer_send``, idempotency key ``transfer:payout:<id>``)."""
    _ensure_staff(by)
    with transaction.atomic():
        payout = _locked(payout)
        if payout.status != P.CHECKED:
            raise ConflictError(f"A {payout.status} payout cannot be approved.", code="payout_not_checked")
        if by.pk == payout.checked_by_id:
            raise PermissionDeniedError(
                "Someone other than the person who checked it approves a payout.", code="payout_same_person"
            )
        if by.pk == payout.creator_id:
            raise PermissionDeniedError("Nobody checks or approves their own payout.", code="payout_own")
        if not _in_good_standing(payout.creator):
            raise ConflictError(
                "The creator is suspended or banned: the payout is held.", code="payout_moderation_hold"
            )
        available_name = chart.creator(payout.creator_id, "available")
        available = ledger.accounts_lock(names=[available_name], currency=payout.currency)[available_name]
        if -available.balance < payout.amount:
            raise ConflictError(
                f"Only {format_amount(max(0, -available.balance), payout.currency)} is available now "
                "(a refund or hold since the run): hold this payout and let the next run pay the balance.",
                code="payout_exceeds_available",
            )
        lines = [Line(available_name, payout.amount, payout.currency)]
        if payout.net:
            lines.append(Line(chart.TRANSFERS_IN_FLIGHT, -payout.net, payout.currency))
        if payout.withholding:
            lines.append(Line(chart.TAX_WITHHOLDING, -payout.withholding, payout.currency))
        ledger.entry_post(
            kind=JournalEntry.Kind.PAYOUT,
            idempotency_key=f"payout:{payout.pk}:approved",
            lines=lines,
            source=f"payout:{payout.pk}",
            memo=f"Payout {payout.period_start}..{payout.period_end} approved",
        )
        payout.status, payout.approved_by, payout.approved_at = P.APPROVED, by, timezone.now()
        _note(payout, "approved", by)
        payout.save()
        from billing.tasks import payout_transfer_send_task

        side_effects.enqueue_task(payout_transfer_send_task, str(payout.pk))
    return payout


def payout_hold(*, payout: Payout, by, reason: str, moderation: bool = False) -> Payout:
    """Stop a payout that has not been approved (finance, with a reason; or a moderation hold)."""
    if not moderation:
        _ensure_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError("Say why the payout is held.", code="reason_required")
    with transaction.atomic():
        payout = _locked(payout)
        if payout.status not in {P.PREPARED, P.CHECKED}:
            raise ConflictError(f"A {payout.status} payout cannot be held.", code="payout_not_holdable")
        payout.status, payout.hold_reason, payout.held_by_moderation = P.HELD, reason[:500], moderation
        _note(payout, f"held: {reason}", by)
        payout.save()
    return payout


def payout_release(*, payout: Payout, by, reason: str, moderation: bool = False) -> Payout:
    """Release a held payout: back to ``prepared`` (checked and approved again, by two people)."""
    if not moderation:
        _ensure_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError("Say why the payout is released.", code="reason_required")
    with transaction.atomic():
        payout = _locked(payout)
        if payout.status != P.HELD:
            raise ConflictError("Only a held payout can be released.", code="payout_not_held")
        if payout.held_by_moderation and not moderation and not _in_good_standing(payout.creator):
            raise ConflictError("The creator is still suspended or banned.", code="payout_moderation_hold")
        payout.status, payout.hold_reason, payout.held_by_moderation = P.PREPARED, "", False
        payout.checked_by, payout.checked_at = None, None
        _note(payout, f"released: {reason}", by)
        payout.save()
    return payout


# -- the transfer ---------------------------------------------------------------------------------
def payout_transfer_send(*, payout_id) -> Payout:
    """Send an approved payout's Transfer (after the approval committed; retried by beat).

    Stripe refusing it (the account lost its ``transfers`` capability ...) fails the payout and
    returns the money to available; Stripe unreachable leaves it approved for the next try.
    """
    payout = Payout.objects.get(pk=payout_id)
    if payout.status != P.APPROVED or payout.stripe_transfer_id:
        return payout
    if payout.net == 0:
        with transaction.atomic():
            payout = _locked(payout)
            payout.status, payout.paid_at = P.PAID, timezone.now()
            payout.save()
        return payout
    try:
        with calling_stripe("transfer create"):
            transfer = client().v1.transfers.create(
                params={
                    "amount": payout.net,
                    "currency": payout.currency,
                    "destination": payout.stripe_account_id,
                    "description": f"Fanfare earnings {payout.period_start}..{payout.period_end}",
                    "transfer_group": f"payout:{payout.pk}",
                    "metadata": {"fanfare_payout_id": str(payout.pk), "creator_id": str(payout.creator_id)},
                },
                options={"idempotency_key": f"transfer:payout:{payout.pk}"},
            )
    except PaymentProviderUnavailableError:
        logger.warning("payout %s: Stripe unreachable; the transfer is sent again later", payout.pk)
        raise
    except PaymentProviderRejectedError as error:
        code = getattr(error.__cause__, "code", None) or "transfer_refused"
        return payout_failed(payout=payout, code=str(code)[:64], message=error.message)
    return transfer_apply(transfer=transfer)


def payout_failed(*, payout: Payout, code: str, message: str) -> Payout:
    """Stripe refused the Transfer: the approval entry is reversed (money back to available)."""
    with transaction.atomic():
        payout = _locked(payout)
        if payout.status != P.APPROVED:
            return payout
        approved = ledger.entry_get_by_key(idempotency_key=f"payout:{payout.pk}:approved")
        if approved is not None:
            ledger.entry_reverse(
                entry=approved,
                idempotency_key=f"payout:{payout.pk}:failed",
                memo=f"Transfer refused ({code}): back to available",
            )
        payout.status, payout.failure_code, payout.failure_message = P.FAILED, code, message[:500]
        _note(payout, f"transfer refused: {code}")
        payout.save()
        _notify(payout, "payout_failed")
    return payout


def transfer_apply(*, transfer: Any) -> Payout | None:
    """Bring a payout up to its Transfer as Stripe has it now: confirmed, then any reversals."""
    metadata = dict(transfer.get("metadata") or {})
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update()
            .filter(Q(stripe_transfer_id=transfer.id) | Q(pk=metadata.get("fanfare_payout_id") or None))
            .first()
        )
        if payout is None:
            logger.info("transfer %s is no payout's; ignored", transfer.id)
            return None
        currency = payout.currency
        if not payout.stripe_transfer_id:
            payout.stripe_transfer_id = transfer.id
            payout.sent_at = timezone.now()
        ledger.entry_post(
            kind=JournalEntry.Kind.TRANSFER,
            idempotency_key=f"transfer:{transfer.id}:confirmed",
            lines=[
                Line(chart.TRANSFERS_IN_FLIGHT, transfer.amount, currency),
                Line(chart.STRIPE_BALANCE, -transfer.amount, currency),
            ],
            source=transfer.id,
            memo=f"Transfer to {payout.stripe_account_id}",
        )
        first_paid = payout.status == P.APPROVED
        if first_paid:
            payout.status, payout.paid_at = P.PAID, timezone.now()
            _note(payout, f"transfer {transfer.id} sent")
            _notify(payout, "payout_sent")
        available_name = chart.creator(payout.creator_id, "available")
        reversals = list((transfer.get("reversals") or {}).get("data") or [])
        newly_reversed = False
        for reversal in sorted(reversals, key=lambda r: (r["created"], r["id"])):
            posted = ledger.entry_post(
                kind=JournalEntry.Kind.TRANSFER,
                idempotency_key=f"transfer-reversal:{reversal['id']}",
                lines=[
                    Line(chart.STRIPE_BALANCE, reversal["amount"], currency),
                    Line(available_name, -reversal["amount"], currency),
                ],
                source=reversal["id"],
                memo=f"Transfer {transfer.id} reversed: back to available",
            )
            newly_reversed = newly_reversed or posted.created
        if transfer.get("reversed") and payout.withholding:
            ledger.entry_post(
                kind=JournalEntry.Kind.TRANSFER,
                idempotency_key=f"payout:{payout.pk}:withholding-returned",
                lines=[
                    Line(chart.TAX_WITHHOLDING, payout.withholding, currency),
                    Line(available_name, -payout.withholding, currency),
                ],
                source=transfer.id,
                memo="Payout reversed: its withholding back to available",
            )
        if newly_reversed:
            if transfer.get("reversed"):
                payout.status = P.REVERSED
            _note(payout, f"transfer reversed ({transfer.get('amount_reversed')} of {transfer.amount})")
            _notify(payout, "payout_failed")
        payout.save()
    return payout


def transfer_sync(*, transfer_id: str) -> Payout | None:
    """A transfer event: read the Transfer (with every reversal) from Stripe and apply it."""
    with calling_stripe("transfer retrieve"):
        transfer = client().v1.transfers.retrieve(transfer_id)
        if transfer.reversals and transfer.reversals.get("has_more"):
            all_reversals = list(
                client().v1.transfers.reversals.list(transfer_id, params={"limit": 100}).auto_paging_iter()
            )
            transfer["reversals"]["data"] = all_reversals
    return transfer_apply(transfer=transfer)


def _notify(payout: Payout, kind: str) -> None:
    from notifications.services import notify

    creator = _user(payout.creator_id)
    if creator is None:
        return
    notify(
        recipient=creator,
        kind=kind,
        data={
            "payout_id": str(payout.pk),
            "amount": payout.net,
            "currency": payout.currency,
            "amount_display": format_amount(payout.net, payout.currency),
            "status": payout.status,
        },
        idempotency_key=f"{kind}:{payout.pk}:{payout.status}",
    )


# -- moderation hold ------------------------------------------------------------------------------
def earnings_moderation_hold(*, user, marker: str = "") -> dict[str, Any]:
    """A suspension or ban: the creator's available money moves to held, unpaid payouts are held."""
    held: dict[str, int] = {}
    tag = marker or timezone.now().strftime("%Y%m%dT%H%M%S%f")
    with transaction.atomic():
        accounts = LedgerAccount.objects.filter(name=chart.creator(user.pk, "available")).values_list(
            "currency", flat=True
        )
        for currency in accounts:
            available_name, held_name = chart.creator(user.pk, "available"), chart.creator(user.pk, "held")
            available = ledger.accounts_lock(names=[available_name, held_name], currency=currency)[available_name]
            amount = -available.balance
            if amount <= 0:
                continue
            ledger.entry_post(
                kind=JournalEntry.Kind.MODERATION_HOLD,
                idempotency_key=f"moderation-hold:{user.pk}:{currency}:{tag}",
                lines=[Line(available_name, amount, currency), Line(held_name, -amount, currency)],
                source=f"user:{user.pk}",
                memo="Account suspended or banned: earnings held",
            )
            held[currency] = amount
        payouts = 0
        for payout in Payout.objects.filter(creator=user, status__in=[P.PREPARED, P.CHECKED]):
            payout_hold(payout=payout, by=None, reason="account suspended or banned", moderation=True)
            payouts += 1
    return {"held": held, "payouts_held": payouts}


def earnings_moderation_release(*, user) -> dict[str, Any]:
    """Lifting: once the creator is in good standing again, every moderation hold is reversed."""
    user = _user(user.pk)  # the caller's object may predate the lift
    if not _in_good_standing(user):
        return {"released": {}, "payouts_released": 0, "still": "suspended_or_banned"}
    released: dict[str, int] = {}
    with transaction.atomic():
        holds = JournalEntry.objects.filter(kind=JournalEntry.Kind.MODERATION_HOLD, source=f"user:{user.pk}")
        undone = set(
            JournalEntry.objects.filter(
                kind=JournalEntry.Kind.MODERATION_RELEASE, source=f"user:{user.pk}"
            ).values_list("reverses_id", flat=True)
        )
        for entry in holds:
            if entry.id in undone:
                continue
            lines = [Line(line.account.name, -line.amount, line.currency) for line in ledger.entry_lines(entry=entry)]
            ledger.entry_post(
                kind=JournalEntry.Kind.MODERATION_RELEASE,
                idempotency_key=f"moderation-release:{entry.idempotency_key}",
                lines=lines,
                source=f"user:{user.pk}",
                reverses=entry,
                memo="Hold lifted: earnings available again",
            )
            for line in lines:
                if line.amount < 0:
                    released[line.currency] = released.get(line.currency, 0) - line.amount
        payouts = 0
        for payout in Payout.objects.filter(creator=user, status=P.HELD, held_by_moderation=True):
            payout_release(payout=payout, by=None, reason="suspension lifted", moderation=True)
            payouts += 1
    return {"released": released, "payouts_released": payouts}
