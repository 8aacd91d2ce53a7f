import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from billing.money import format_amount
from billing.services.payouts import payouts_prepare


def _period(value: str) -> tuple[dt.date, dt.date]:
    """``2026-11-23..2026-11-29``, or one date: the Monday-Sunday week that holds it."""
    try:
        if ".." in value:
            start, end = (dt.date.fromisoformat(part) for part in value.split("..", 1))
        else:
            day = dt.date.fromisoformat(value)
            start = day - dt.timedelta(days=day.weekday())
            end = start + dt.timedelta(days=6)
    except ValueError as error:
        raise CommandError(f"--period is YYYY-MM-DD..YYYY-MM-DD or one date ({error})") from error
    if end < start:
        raise CommandError("--period ends before it starts")
    return start, end


class Command(BaseCommand):
    help = (
        "The payout run: one Payout per creator and currency whose available balance reaches the minimum, "
        "for a period (default: last Monday to Sunday). Finance then checks and approves them in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM-DD..YYYY-MM-DD, or a date (its week). Default: last week.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be prepared; write nothing.")

    def handle(self, *args, period: str | None, dry_run: bool, **options):
        result = payouts_prepare(period=_period(period) if period else None, dry_run=dry_run)
        start, end = result.period
        self.stdout.write(f"Payout run {start}..{end}{' (dry run)' if dry_run else ''}")
        if dry_run:
            for creator_id, currency, amount in result.would_prepare:
                self.stdout.write(f"  would prepare {format_amount(amount, currency)} for {creator_id}")
        for payout in result.prepared:
            self.stdout.write(f"  prepared {format_amount(payout.amount, payout.currency)} for {payout.creator_id}")
        for reason, items in sorted(result.skipped.items()):
            self.stdout.write(f"  skipped ({reason}): {len(items)}")
        count = len(result.would_prepare) if dry_run else len(result.prepared)
        self.stdout.write(self.style.SUCCESS(f"{count} payout(s) {'would be ' if dry_run else ''}prepared"))
