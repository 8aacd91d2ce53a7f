from datetime import timedelta

from django.core.management.base import BaseCommand

from notifications.services import notifications_purge


class Command(BaseCommand):
    help = "Remove expired notifications, and read or deleted ones older than --older-than days."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=90, help="Days (default 90).")
        parser.add_argument("--dry-run", action="store_true", help="Only count.")

    def handle(self, *args, older_than, dry_run, **options):
        counts = notifications_purge(older_than=timedelta(days=older_than), dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"{verb} {sum(counts.values())} notifications: {counts['expired']} expired, "
            f"{counts['read']} read, {counts['deleted']} deleted (older than {older_than} days)"
        )
