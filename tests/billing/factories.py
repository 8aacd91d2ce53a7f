"""Helpers shared by billing's tests."""

from billing.models import JournalLine


def ledger_snapshot() -> list[tuple]:
    """Every entry's key and lines, order-free: two ledgers with equal snapshots are identical."""
    from billing.models import JournalEntry

    entries = {entry.id: entry for entry in JournalEntry.objects.all()}
    lines = JournalLine.objects.select_related("account")
    return sorted(
        (
            entries[line.entry_id].idempotency_key,
            entries[line.entry_id].kind,
            line.account.name,
            line.currency,
            line.amount,
        )
        for line in lines
    )


def lines_of(key: str) -> dict[str, int]:
    from billing.services.ledger import entry_get_by_key, entry_lines

    entry = entry_get_by_key(idempotency_key=key)
    assert entry is not None, f"no entry {key}"
    return {line.account.name: line.amount for line in entry_lines(entry=entry)}


def tier_of(creator, *, position: int = 1, name: str | None = None, monthly: int = 500):
    """A tier straight in the database (no Stripe): for tests of gating, not of joining."""
    from billing.models import MembershipPrice, MembershipTier

    tier = MembershipTier.objects.create(
        creator=creator, name=name or f"Tier {position}", position=position, stripe_product_id=f"prod_t{position}"
    )
    MembershipPrice.objects.create(tier=tier, currency="usd", interval="month", amount=monthly)
    return tier


def member_of(tier, viewer, *, status: str = "active"):
    """``viewer`` a member of ``tier`` (a comp membership, no Stripe)."""
    from billing.models import Membership

    return Membership.objects.create(viewer=viewer, creator_id=tier.creator_id, tier=tier, kind="comp", status=status)
