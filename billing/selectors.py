"""Billing's reads, for billing's own interfaces and for other apps."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from billing.models import JournalEntry, LedgerAccount, Membership, MembershipPrice, MembershipTier, Payment
from billing.models.memberships import ACCESS_STATUSES
from core.errors import PermissionDeniedError


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


# -- memberships: the one gate of members-only content ---------------------------------------
def membership_tier_of(*, viewer, creator_id) -> MembershipTier | None:
    """The tier through which ``viewer`` has access to ``creator_id``'s members-only content:
    a membership that is active, in its trial, or in the grace period after a failed renewal
    (paused, canceled and ended ones give none). None for a visitor or a non-member."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    membership = (
        Membership.objects.filter(viewer_id=viewer.pk, creator_id=creator_id, status__in=ACCESS_STATUSES)
        .select_related("tier")
        .first()
    )
    return membership.tier if membership is not None else None


def viewer_has_tier(*, viewer, creator_id, minimum_tier: int | None) -> bool:
    """Whether ``viewer`` may see ``creator_id``'s content for members at ``minimum_tier`` (a tier
    position; None: any tier) or above. The creator always may."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == creator_id:
        return True
    tier = membership_tier_of(viewer=viewer, creator_id=creator_id)
    return tier is not None and (minimum_tier is None or tier.position >= minimum_tier)


def member_access_q(*, viewer, creator_ref: str, minimum_tier_ref: str) -> Q:
    """The :func:`viewer_has_tier` rule as a ``Q`` for querysets of other apps: rows whose
    ``minimum_tier_ref`` is null, or whose creator (``creator_ref``) is ``viewer``, or of whom
    ``viewer`` is a member with access at a tier of that position or above."""
    open_to_all = Q(**{f"{minimum_tier_ref}__isnull": True})
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return open_to_all
    member = Exists(
        Membership.objects.filter(
            viewer_id=viewer.pk,
            creator_id=OuterRef(creator_ref),
            status__in=ACCESS_STATUSES,
            tier__position__gte=OuterRef(minimum_tier_ref),
        )
    )
    return open_to_all | Q(**{creator_ref: viewer.pk}) | Q(member)


def member_access_sql(*, viewer_param: str, creator_col: str, minimum_tier_col: str) -> str:
    """:func:`member_access_q` as SQL for raw statements (``viewer_param`` a named parameter)."""
    statuses = ", ".join(f"'{status}'" for status in ACCESS_STATUSES)
    membership, tier = Membership._meta.db_table, MembershipTier._meta.db_table
    # Table and column names from the models and the callers' code; the viewer is a parameter.
    return f"""({minimum_tier_col} IS NULL OR {creator_col} = %({viewer_param})s OR EXISTS (
        SELECT 1 FROM {membership} ms JOIN {tier} mt ON mt.id = ms.tier_id
        WHERE ms.viewer_id = %({viewer_param})s AND ms.creator_id = {creator_col}
        AND ms.status IN ({statuses}) AND mt.position >= {minimum_tier_col}))"""  # noqa: S608


def tier_needed(*, creator_id, minimum_tier: int | None) -> dict[str, Any] | None:
    """The lowest unarchived tier of ``creator_id`` that admits to ``minimum_tier`` content, for
    the body of a 403 ``members_only``: ``{"id", "name", "position"}``; None when there is none."""
    tiers = MembershipTier.objects.filter(creator_id=creator_id, archived_at__isnull=True)
    if minimum_tier is not None:
        tiers = tiers.filter(position__gte=minimum_tier)
    tier = tiers.order_by("position").first()
    return {"id": str(tier.pk), "name": tier.name, "position": tier.position} if tier is not None else None


def tier_at_position(*, creator_id, position: int) -> MembershipTier | None:
    """``creator_id``'s tier at ``position``: the unarchived one, else the most recently archived
    one (content checks a members-only setting with it: ``archived_at`` says which), else None."""
    tiers = MembershipTier.objects.filter(creator_id=creator_id, position=position)
    return tiers.order_by(F("archived_at").desc(nulls_first=True)).first()


def members_only_error(*, creator_id, minimum_tier: int | None) -> PermissionDeniedError:
    """403 ``members_only``, naming the tier needed (``tier_needed`` and ``minimum_tier`` in the body)."""
    return PermissionDeniedError(
        "This is for the creator's members.",
        code="members_only",
        extra={
            "minimum_tier": minimum_tier,
            "tier_needed": tier_needed(creator_id=creator_id, minimum_tier=minimum_tier),
        },
    )


def member_badges(*, creator_id, viewer_ids) -> dict[Any, str]:
    """``{viewer id: tier name}`` of those of ``viewer_ids`` with access to ``creator_id`` (chat badges)."""
    rows = Membership.objects.filter(
        creator_id=creator_id, viewer_id__in=list(viewer_ids), status__in=ACCESS_STATUSES
    ).values_list("viewer_id", "tier__name")
    return dict(rows)


def memberships_of_viewer(*, viewer) -> QuerySet[Membership]:
    """The viewer's memberships, live ones first, newest first."""
    return (
        Membership.objects.filter(viewer=viewer)
        .select_related("tier", "price", "creator")
        .order_by("ended_at", "-created_at")
    )


def members_of_creator(*, creator, status: str | None = None) -> QuerySet[Membership]:
    """A creator's members (every status unless ``status``), newest first."""
    members = Membership.objects.filter(creator=creator).exclude(status=Membership.Status.INCOMPLETE)
    if status:
        members = members.filter(status=status)
    return members.select_related("viewer", "tier", "price").order_by("-created_at")


def tiers_of_creator(*, creator_id, include_archived: bool = False) -> QuerySet[MembershipTier]:
    tiers = MembershipTier.objects.filter(creator_id=creator_id)
    if not include_archived:
        tiers = tiers.filter(archived_at__isnull=True)
    return tiers.prefetch_related(Prefetch("prices", queryset=MembershipPrice.objects.filter(active=True))).order_by(
        "position"
    )


def receipts_of_membership(*, membership: Membership) -> QuerySet[Payment]:
    return Payment.objects.filter(purpose=Payment.Purpose.MEMBERSHIP, purpose_ref=str(membership.pk)).order_by(
        "-created_at"
    )


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
    """``[(day, source, currency, amount)]``: the creator's net earnings per day and source, from
    the ledger lines on the creator's accounts: ``membership`` and ``tip`` (the payment's purpose:
    captures less refunds and lost disputes) and ``ads`` (the creator's share of ad spend on their
    videos and streams, entries of kind ``ad_spend``). Moves between the creator's own buckets
    (holds, releases) and payouts are not revenue and are left out."""
    from billing import chart

    names = [chart.creator(user.pk, bucket) for bucket in ("pending", "available", "held")]
    sql = (
        "SELECT (l.created_at AT TIME ZONE 'UTC')::date AS day, "
        "COALESCE(p.purpose, 'ads') AS source, l.currency, -SUM(l.amount) "
        "FROM billing_journalline l "
        "JOIN billing_ledgeraccount a ON a.id = l.account_id "
        "JOIN billing_journalentry e ON e.id = l.entry_id AND e.created_at = l.created_at "
        "LEFT JOIN billing_payment p ON p.id = e.payment_id "
        "WHERE a.name = ANY(%s) AND (p.id IS NOT NULL OR e.kind = %s)"
        + (" AND l.created_at >= %s" if since is not None else "")
        + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    params: list = [names, JournalEntry.Kind.AD_SPEND] + ([since] if since is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(day, purpose, currency, int(amount)) for day, purpose, currency, amount in cursor.fetchall()]


def creator_earnings(*, user, days: int = 90) -> dict[str, Any]:
    """A creator's earnings for the API (the studio's Earnings page in data): balances per
    currency, net revenue by source and currency over the last ``days`` days (UTC), the latest
    20 payouts and the Connect account's status (None before onboarding)."""
    import datetime as dt

    from django.utils import timezone

    from billing.models import ConnectAccount, Payout

    since = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days - 1)
    revenue: dict[tuple[str, str], int] = {}
    for _day, source, currency, amount in creator_revenue_by_day(user=user, since=since):
        revenue[(source, currency)] = revenue.get((source, currency), 0) + amount
    balances = sorted(creator_balances(user=user).items())
    return {
        "balances": [{"currency": currency, **values} for currency, values in balances],
        "revenue_since": since,
        "revenue": [
            {"source": source, "currency": currency, "amount": amount}
            for (source, currency), amount in sorted(revenue.items())
        ],
        "payouts": list(Payout.objects.filter(creator=user).order_by("-period_start", "-created_at")[:20]),
        "connect": ConnectAccount.objects.filter(user=user).first(),
    }


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
         "amount": -int(amount), "source": purpose or ("ads" if kind == JournalEntry.Kind.AD_SPEND else ""),
         "payment_id": str(payment_id or "")}
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
