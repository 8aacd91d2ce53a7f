from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from billing.services.reconcile import billing_reconcile


def _since(value: str) -> datetime:
    """An ISO date/time (2026-12-01, 2026-12-01T10:00) or a number of days back (7d)."""
    if value.endswith("d") and value[:-1].isdigit():
        return datetime.now(tz=UTC) - timedelta(days=int(value[:-1]))
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Compare the ledger with Stripe's balance transactions and report every difference; "
        "missing entries are posted by syncing their payment (unless --dry-run). Exits 1 when a "
        "difference remains."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_since, default=None, help="ISO date/time or Nd (default: all).")
        parser.add_argument("--dry-run", action="store_true", help="Report only; post nothing.")

    def handle(self, *args, since, dry_run: bool, **options):
        differences = billing_reconcile(since=since, dry_run=dry_run)
        unresolved = [d for d in differences if not d.repaired and d.problem != "not_tracked"]
        for difference in differences:
            mark = "repaired" if difference.repaired else difference.problem
            self.stdout.write(f"{difference.stripe_id} ({difference.source}): {mark} {difference.detail}")
        self.stdout.write(f"{len(differences)} differences, {len(unresolved)} unresolved")
        if unresolved:
            raise CommandError(f"{len(unresolved)} differences between the ledger and Stripe")
