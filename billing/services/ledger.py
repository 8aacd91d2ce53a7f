"""Posting to the ledger: balanced entries, idempotent by key, never changed, reversed by new entries.

Every function runs in ``transaction.atomic()``; callers that post as part of a bigger change
(a payment marked paid) call them inside their own transaction, so both commit together.
"""

from __future__ import annotations

import copy
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from billing.models import JournalEntry, JournalKey, JournalLine, LedgerAccount
from core.errors import ApplicationError, ConflictError
from core.ids import uuid7

logger = logging.getLogger(__name__)


class LedgerError(ApplicationError):
    default_code = "ledger_invalid_entry"
    default_message = "This ledger entry is not valid."


@dataclass(frozen=True)
class Line:
    """One line to post: ``amount`` in minor units (debit +, credit -) on account ``account``."""

    account: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Posted:
    entry: JournalEntry
    created: bool


@dataclass
class _Postings:
    """Entries posted inside ``postings_batched``, written when it ends (keys are claimed at once)."""

    entries: dict[str, JournalEntry] = field(default_factory=dict)  # by idempotency key
    lines: dict[str, list[Line]] = field(default_factory=dict)  # by idempotency key
    deltas: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))  # (account, currency)
    # Accounts ``accounts_lock`` locked in this transaction, with their balances as written: locked
    # until it ends, so only ``_postings_write`` (which adds its deltas here) changes them.
    locked: dict[tuple[str, str], LedgerAccount] = field(default_factory=dict)


_POSTINGS: ContextVar[_Postings | None] = ContextVar("billing_ledger_postings", default=None)


@contextmanager
def postings_batched() -> Iterator[None]:
    """Within (inside the caller's transaction): ``entry_post`` claims each entry's idempotency key at
    once (so a concurrent poster of the same key waits for this transaction, as always) and keeps the
    entry; at the end every kept entry and line is written (one INSERT each for entries and lines) and
    the running balances move once per account: the accounts locked in name order and updated in one
    statement, so the balances equal the sum of the lines when the transaction commits, as with
    ``entry_post`` alone, and the rows are locked for those statements only. ``accounts_lock`` inside
    counts what was posted and is not written yet. Nothing is written when the block fails."""
    if _POSTINGS.get() is not None:
        yield
        return
    postings = _Postings()
    token = _POSTINGS.set(postings)
    try:
        yield
        _postings_write(postings)
    finally:
        _POSTINGS.reset(token)


def _postings_write(postings: _Postings) -> None:
    if not postings.entries:
        return
    pairs = {(line.account, line.currency) for lines in postings.lines.values() for line in lines}
    accounts = _accounts_locked(pairs)
    JournalEntry.objects.bulk_create(list(postings.entries.values()))
    JournalLine.objects.bulk_create(
        [
            JournalLine(
                entry_id=entry.id,
                created_at=entry.created_at,
                account=accounts[(line.account, line.currency)],
                amount=line.amount,
                currency=line.currency,
            )
            for key, entry in postings.entries.items()
            for line in postings.lines[key]
        ]
    )
    at = max(entry.created_at for entry in postings.entries.values())
    deltas = {accounts[pair].pk: delta for pair, delta in postings.deltas.items() if delta}
    if deltas:
        _balances_move(deltas, at=at)
    for pair, delta in postings.deltas.items():
        if pair in postings.locked:
            postings.locked[pair].balance += delta
    postings.entries.clear()
    postings.lines.clear()
    postings.deltas.clear()


def _postings_flush_for(idempotency_key: str) -> None:
    """Write what ``postings_batched`` kept when it holds this key (before it is read back)."""
    postings = _POSTINGS.get()
    if postings is not None and idempotency_key in postings.entries:
        _postings_write(postings)


def account_get_or_create(*, name: str, currency: str) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(name=name, currency=currency)
    return account


def _check_lines(lines: Sequence[Line]) -> list[Line]:
    merged: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise LedgerError("Amounts are integers of minor units.")
        if len(line.currency) != 3 or line.currency != line.currency.lower():
            raise LedgerError("Currencies are lower-case ISO 4217 codes.")
        merged[(line.account, line.currency)] += line.amount
    kept = [Line(account=a, amount=amount, currency=c) for (a, c), amount in merged.items() if amount != 0]
    totals: dict[str, int] = defaultdict(int)
    for line in kept:
        totals[line.currency] += line.amount
    if any(totals.values()):
        raise LedgerError(f"The lines do not sum to zero: {dict(totals)}.", code="ledger_unbalanced")
    if len(kept) < 2:
        raise LedgerError("An entry has at least two lines.", code="ledger_too_few_lines")
    return kept


def _claim_key(*, key: str, entry_id: UUID, created_at: datetime) -> bool:
    """Insert the key; False when it was there already (a concurrent poster waits for the first to commit)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_journalkey (key, entry_id, entry_created_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (key) DO NOTHING RETURNING key",
            [key, entry_id, created_at],
        )
        return cursor.fetchone() is not None


def entry_get_by_key(*, idempotency_key: str) -> JournalEntry | None:
    _postings_flush_for(idempotency_key)
    claimed = JournalKey.objects.filter(key=idempotency_key).first()
    if claimed is None:
        return None
    return JournalEntry.objects.get(id=claimed.entry_id, created_at=claimed.entry_created_at)


def keys_claimed(*, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` an entry already holds (posted, or claimed by a transaction that posts it), in
    one query (``entry_get_by_key`` asks for one)."""
    keys = list(keys)
    return set(JournalKey.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()


def entry_lines(*, entry: JournalEntry) -> list[JournalLine]:
    _postings_flush_for(entry.idempotency_key)
    return list(
        JournalLine.objects.filter(entry_id=entry.id, created_at=entry.created_at)
        .select_related("account")
        .order_by("account__name", "currency", "amount")
    )


def entry_post(
    *,
    kind: str,
    idempotency_key: str,
    lines: Sequence[Line],
    source: str = "",
    payment_id: UUID | None = None,
    reverses: JournalEntry | None = None,
    memo: str = "",
    at: datetime | None = None,
) -> Posted:
    """Post one balanced entry, or return the one already posted under ``idempotency_key``.

    The same key with different lines is a bug in the caller: ``ledger_key_reused`` (409).
    Accounts are created on first use; their running balances move under row locks, taken in
    name order so two posters never deadlock.
    """
    kept = _check_lines(lines)
    # No savepoint of its own inside the caller's transaction (two round trips an entry): what it
    # writes commits or rolls back with the caller's change; a key reused for other lines is
    # reported after the block, which has written nothing then.
    with transaction.atomic(savepoint=False):
        entry_id = uuid7()
        created_at = at or timezone.now()
        existing = None
        postings = _POSTINGS.get()
        if not _claim_key(key=idempotency_key, entry_id=entry_id, created_at=created_at):
            existing = entry_get_by_key(idempotency_key=idempotency_key)
            assert existing is not None
            have = sorted((line.account.name, line.currency, line.amount) for line in entry_lines(entry=existing))
        elif postings is not None:  # written when ``postings_batched`` ends
            entry = JournalEntry(
                id=entry_id,
                created_at=created_at,
                kind=kind,
                idempotency_key=idempotency_key,
                source=source,
                payment_id=payment_id,
                reverses_id=reverses.id if reverses else None,
                memo=memo[:500],
            )
            postings.entries[idempotency_key] = entry
            postings.lines[idempotency_key] = kept
            for line in kept:
                postings.deltas[(line.account, line.currency)] += line.amount
        else:
            accounts = _accounts_locked({(line.account, line.currency) for line in kept})
            entry = JournalEntry.objects.create(
                id=entry_id,
                created_at=created_at,
                kind=kind,
                idempotency_key=idempotency_key,
                source=source,
                payment_id=payment_id,
                reverses_id=reverses.id if reverses else None,
                memo=memo[:500],
            )
            JournalLine.objects.bulk_create(
                [
                    JournalLine(
                        entry_id=entry.id,
                        created_at=created_at,
                        account=accounts[(line.account, line.currency)],
                        amount=line.amount,
                        currency=line.currency,
                    )
                    for line in kept
                ]
            )
            _balances_move({accounts[(line.account, line.currency)].pk: line.amount for line in kept}, at=created_at)
    if existing is not None:
        want = sorted((line.account, line.currency, line.amount) for line in kept)
        if have != want:
            raise ConflictError(f"Ledger key {idempotency_key} was used for other lines.", code="ledger_key_reused")
        return Posted(entry=existing, created=False)
    return Posted(entry=entry, created=True)


def _accounts_locked(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], LedgerAccount]:
    """The accounts (name, currency), row-locked in name order; made first when missing (one
    statement for all of them)."""

    def locked() -> dict[tuple[str, str], LedgerAccount]:
        return {
            (account.name, account.currency): account
            for account in LedgerAccount.objects.select_for_update()
            .filter(name__in={name for name, _ in pairs}, currency__in={currency for _, currency in pairs})
            .order_by("name", "currency")
            if (account.name, account.currency) in pairs
        }

    accounts = locked()
    if len(accounts) < len(pairs):
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(name=name, currency=currency) for name, currency in sorted(pairs - accounts.keys())],
            ignore_conflicts=True,
        )
        accounts = locked()
    return accounts


def _balances_move(deltas: dict[UUID, int], *, at: datetime) -> None:
    """Add each delta to its (locked) account's running balance, in one statement."""
    values = ", ".join(["(%s::uuid, %s::bigint)"] * len(deltas))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LedgerAccount._meta.db_table} AS account SET balance = account.balance + moved.delta, "  # noqa: S608 (a model's table; values are parameters)
            f"updated_at = %s FROM (VALUES {values}) AS moved(id, delta) WHERE account.id = moved.id",
            [at, *[value for pair in deltas.items() for value in pair]],
        )


def entry_reverse(*, entry: JournalEntry, idempotency_key: str | None = None, memo: str = "") -> Posted:
    """Post the mirror image of ``entry`` (every line negated), pointing at it. Idempotent by key."""
    lines = [
        Line(account=line.account.name, amount=-line.amount, currency=line.currency)
        for line in entry_lines(entry=entry)
    ]
    return entry_post(
        kind=JournalEntry.Kind.REVERSAL,
        idempotency_key=idempotency_key or f"reversal:{entry.idempotency_key}",
        lines=lines,
        source=entry.source,
        payment_id=entry.payment_id,
        reverses=entry,
        memo=memo or f"Reverses {entry.idempotency_key}",
    )


def accounts_lock(*, names: Sequence[str], currency: str) -> dict[str, LedgerAccount]:
    """Lock (and create) accounts, in name order, for a decision that reads their balances.

    Inside ``postings_batched`` an account already locked by an earlier call is not read again (its
    row stays locked until the transaction ends, and only this transaction's postings move it)."""
    pairs = {(name, currency) for name in names}
    postings = _POSTINGS.get()
    if postings is not None and pairs <= postings.locked.keys():
        accounts = {pair: copy.copy(postings.locked[pair]) for pair in pairs}
    else:
        accounts = _accounts_locked(pairs)
        if postings is not None:
            postings.locked.update({pair: copy.copy(account) for pair, account in accounts.items()})
    if postings is not None:  # what was posted in ``postings_batched`` and is not written yet
        for (name, account_currency), account in accounts.items():
            account.balance += postings.deltas.get((name, account_currency), 0)
    return {name: account for (name, _), account in accounts.items()}
