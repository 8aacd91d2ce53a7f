"""Roll ad events up into the daily report rows (the ``ads-rollup`` job does today and yesterday)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ads.services.rollup import stats_rollup


class Command(BaseCommand):
    help = "Recompute AdDailyStat for a day or a range of days (default: yesterday and today, UTC)."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD (default: yesterday and today)")
        parser.add_argument("--days", type=int, default=2, help="How many days back from --day or today.")
        parser.add_argument("--dry-run", action="store_true", help="Say which days, change nothing.")

    def handle(self, *args, **options):
        try:
            last = dt.date.fromisoformat(options["day"]) if options["day"] else timezone.now().date()
        except ValueError:
            raise CommandError("--day is YYYY-MM-DD") from None
        if options["days"] < 1:
            raise CommandError("--days is at least 1")
        for offset in range(options["days"] - 1, -1, -1):
            day = last - dt.timedelta(days=offset)
            if options["dry_run"]:
                self.stdout.write(f"{day}: would roll up")
                continue
            self.stdout.write(f"{day}: {stats_rollup(day=day)} rows")
