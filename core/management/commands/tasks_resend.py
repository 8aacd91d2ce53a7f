"""Publish the tasks kept while the broker was down (core.UnsentTask), now."""

from django.core.management.base import BaseCommand

from core.side_effects import unsent_tasks_resend


class Command(BaseCommand):
    help = "Publish the Celery tasks kept while the broker was down (core.UnsentTask)."

    def handle(self, *args, **options):
        sent, left = unsent_tasks_resend()
        self.stdout.write(f"sent {sent}, still unsent {left}")
