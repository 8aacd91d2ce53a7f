"""Billing's reads, for billing's own interfaces and for other apps."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from billing.models import LedgerAccount, Payment


def balance_of(*, account: str, currency: str) -> int:
    """The running balance of one account (0 when it has never been used)."""
    return LedgerAccount.objects.filter(name=account, currency=currency).values_list("balance", flat=True).first() or 0


def balances_of(*, accounts: list[str]) -> dict[tuple[str, str], int]:
    """The running balances of several accounts, in one query: ``{(name, currency): balance}``."""
    rows = LedgerAccount.objects.filter(name__in=accounts).values_list("name", "currency", "balance")
    return {(name, currency): balance for name, currency, balance in rows}


def balances_from_lines() -> dict[tuple[str, str], int]:
    """Every account's balance recomputed from its lines: ``{(name, currency): sum}``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.name, a.currency, COALESCE(SUM(l.amount), 0) FROM billing_ledgeraccount a "
            "LEFT JOIN billing_journalline l ON l.account_id = a.id GROUP BY a.name, a.currency"
        )
        return {(name, currency): int(total) for name, currency, total in cursor.fetchall()}


def payments_of_user(*, user) -> QuerySet[Payment]:
    """The payments ``user`` made, newest first (UUIDv7 keys sort by creation)."""
    return Payment.objects.filter(payer=user)


def payment_of_user(*, user, payment_id) -> Payment | None:
    """One payment ``user`` made, with its refunds; None when it is not theirs."""
    return Payment.objects.filter(payer=user, pk=payment_id).prefetch_related("refunds").first()
