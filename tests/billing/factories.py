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
