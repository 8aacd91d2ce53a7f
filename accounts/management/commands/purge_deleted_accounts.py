"""Purge accounts whose deletion is older than ACCOUNT_DELETION_GRACE_DAYS (run daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = (
        "Purge accounts deleted more than ACCOUNT_DELETION_GRACE_DAYS ago: every app's registered purge "
        "handler runs (accounts/deletion.py). With --dry-run, print the steps and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be done; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        reports = services.deleted_accounts_purge(dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        for report in reports:
            deleted = f"{report.deleted_at:%Y-%m-%d}"
            self.stdout.write(f"{verb} account {report.user_id} (@{report.handle}, deleted {deleted}):")
            for step in report.steps:
                self.stdout.write(f"  - {step}")
        self.stdout.write(
            f"{verb} {len(reports)} account{'s' if len(reports) != 1 else ''} "
            f"(grace period {settings.ACCOUNT_DELETION_GRACE_DAYS} days)."
        )
