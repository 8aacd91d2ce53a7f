"""manage.py recount_social [--dry-run]: rebuild likes, comments, replies, reposts, quotes, saves,
followers, following, posts and videos counts from the rows (set-based SQL, one transaction)."""

from django.core.management.base import BaseCommand

from social.services.recount import recount


class Command(BaseCommand):
    help = (
        "Rebuild every social counter from the rows it counts. With --dry-run, report which counters "
        "differ (how many rows, a few examples: id stored -> counted) and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report differences, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        differences = recount(dry_run=dry_run)
        verb = "would fix" if dry_run else "fixed"
        for difference in differences:
            self.stdout.write(f"{difference.counter}: {verb} {difference.rows} rows")
            for row_id, stored, counted in difference.examples:
                self.stdout.write(f"  {row_id}: {stored} -> {counted}")
        if not differences:
            self.stdout.write("All counters are exact.")
        else:
            total = sum(d.rows for d in differences)
            self.stdout.write(f"{verb} {total} rows in {len(differences)} counters" + (" (dry run)" if dry_run else ""))
