from django.core.management.base import BaseCommand

from notifications.delivery import digests_send


class Command(BaseCommand):
    help = "Email each user on a daily or weekly digest the period's unread notifications (once a period)."

    def add_arguments(self, parser):
        parser.add_argument("--frequency", choices=["daily", "weekly"], default="daily")
        parser.add_argument("--dry-run", action="store_true", help="Count the digests due; send and mark nothing.")

    def handle(self, *args, frequency, dry_run: bool = False, **options):
        sent = digests_send(frequency=frequency, dry_run=dry_run)
        self.stdout.write(f"{'would send' if dry_run else 'sent'} {sent} {frequency} digests")
