from django.core.management.base import BaseCommand

from notifications.delivery import digests_send


class Command(BaseCommand):
    help = "Email each user on a daily or weekly digest the period's unread notifications (once a period)."

    def add_arguments(self, parser):
        parser.add_argument("--frequency", choices=["daily", "weekly"], default="daily")

    def handle(self, *args, frequency, **options):
        sent = digests_send(frequency=frequency)
        self.stdout.write(f"sent {sent} {frequency} digests")
