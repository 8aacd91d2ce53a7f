"""Billing's reads, for billing's own interfaces and for other apps."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from billing.models import LedgerAccount, Payment


def balance_of(*, account: str, currency: str) -> int:
    """The running balance of one account (0 when it has never been used)."""
    return LedgerAccount.objects.filter(name=account, currency=currency).values_list("balance", flat=True).first() or 0


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


# -- earnings (the studio's Earnings page, statements, the admin's balances) ---------------------
def creator_balances(*, user) -> dict[str, dict[str, int]]:
    """What Fanfare owes ``user`` per currency and bucket, as positive amounts (a negative
    ``available`` is money the creator owes, netted off by the next payout)."""
    from billing import chart

    names = {chart.creator(user.pk, bucket): bucket for bucket in ("pending", "available", "held")}
    result: dict[str, dict[str, int]] = {}
    for name, currency, balance in LedgerAccount.objects.filter(name__in=names).values_list(
        "name", "currency", "balance"
    ):
        result.setdefault(currency, {"pending": 0, "available": 0, "held": 0})[names[name]] = -balance
    return result


def creator_revenue_by_day(*, user, since=None) -> list[tuple]:
    """``[(day, source, currency, amount)]``: the creator's net earnings per day and source
    (``membership``, ``tip``; the payment's purpose), from the ledger lines on the creator's
    accounts that belong to a payment: captures less refunds and lost disputes."""
    from billing import chart

    names = [chart.creator(user.pk, bucket) for bucket in ("pending", "available", "held")]
    sql = (
        "SELECT (l.created_at AT TIME ZONE 'UTC')::date AS day, p.purpose, l.currency, -SUM(l.amount) "
        "FROM billing_journalline l "
        "JOIN billing_ledgeraccount a ON a.id = l.account_id "
        "JOIN billing_journalentry e ON e.id = l.entry_id AND e.created_at = l.created_at "
        "JOIN billing_payment p ON p.id = e.payment_id "
        "WHERE a.name = ANY(%s)" + (" AND l.created_at >= %s" if since is not None else "") + " "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    params: list = [names] + ([since] if since is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(day, purpose, currency, int(amount)) for day, purpose, currency, amount in cursor.fetchall()]


def creator_statement_rows(*, user, year: int) -> list[dict]:
    """Every movement of the creator's money in ``year`` (UTC), oldest first: earnings, refunds,
    disputes, holds and payouts, with the entry and (for payments) the source."""
    from billing import chart

    names = [chart.creator(user.pk, bucket) for bucket in ("pending", "available", "held")]
    sql = (
        "SELECT l.created_at, e.kind, e.idempotency_key, a.name, l.currency, l.amount, p.purpose, p.id "
        "FROM billing_journalline l "
        "JOIN billing_ledgeraccount a ON a.id = l.account_id "
        "JOIN billing_journalentry e ON e.id = l.entry_id AND e.created_at = l.created_at "
        "LEFT JOIN billing_payment p ON p.id = e.payment_id "
        "WHERE a.name = ANY(%s) AND l.created_at >= %s AND l.created_at < %s ORDER BY l.created_at, e.id, a.name"
    )
    import datetime as dt

    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(sql, [names, start, end])
        rows = cursor.fetchall()
    return [
        {"at": at, "kind": kind, "entry": key, "bucket": name.rsplit(":", 1)[1], "currency": currency,
         "amount": -int(amount), "source": purpose or "", "payment_id": str(payment_id or "")}
        for at, kind, key, name, currency, amount, purpose, payment_id in rows
    ]  # fmt: skip


def creator_statement_csv(*, user, year: int) -> str:
    """The yearly earnings statement: one row per movement (positive: owed to the creator), then
    totals per currency (earned, refunded or disputed, paid out, withheld)."""
    import csv
    import io

    from billing.models import Payout, TaxProfile

    rows = creator_statement_rows(user=user, year=year)
    out = io.StringIO()
    writer = csv.writer(out)
    profile = TaxProfile.objects.filter(user=user).first()
    writer.writerow(["Fanfare earnings statement", year])
    writer.writerow(["creator", str(user.pk), user.email])
    writer.writerow(["country", profile.country if profile else "", "tax form",
                     profile.get_form_status_display() if profile else "Not collected"])  # fmt: skip
    writer.writerow([])
    writer.writerow(["date (UTC)", "kind", "source", "bucket", "currency", "amount (minor units)", "payment", "entry"])
    for row in rows:
        writer.writerow([row["at"].strftime("%Y-%m-%d %H:%M:%S"), row["kind"], row["source"], row["bucket"],
                         row["currency"], row["amount"], row["payment_id"], row["entry"]])  # fmt: skip
    writer.writerow([])
    writer.writerow(["currency", "earned", "refunded or disputed", "paid out (net)", "withheld"])
    currencies = sorted({row["currency"] for row in rows})
    payouts = Payout.objects.filter(creator=user, status=Payout.Status.PAID, paid_at__year=year)
    for currency in currencies:
        earned = sum(r["amount"] for r in rows if r["currency"] == currency and r["kind"] == "payment_captured")
        taken = -sum(r["amount"] for r in rows if r["currency"] == currency and r["source"]
                     and r["kind"] != "payment_captured" and r["bucket"] != "held" and r["amount"] < 0)  # fmt: skip
        paid = sum(p.net for p in payouts if p.currency == currency)
        withheld = sum(p.withholding for p in payouts if p.currency == currency)
        writer.writerow([currency, earned, taken, paid, withheld])
    return out.getvalue()
