from django.core.management.base import BaseCommand

from billing.services.webhooks import webhook_events_failed, webhook_events_pending, webhook_events_retry


class Command(BaseCommand):
    help = (
        "Process the Stripe webhook deliveries not processed yet: those whose processing failed, and any the "
        "processing task has not reached (oldest first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List them; process nothing.")
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, dry_run: bool, limit: int, **options):
        failed = webhook_events_failed().count()
        self.stdout.write(f"{failed} failed deliveries, {webhook_events_pending().count() - failed} waiting")
        results = webhook_events_retry(dry_run=dry_run, limit=limit)
        for result in results:
            state = "would retry" if dry_run else ("processed" if result.processed else "failed again")
            self.stdout.write(f"  trigger {result.trigger_id}: {state} {result.error}".rstrip())
        if not dry_run:
            done = sum(1 for result in results if result.processed)
            self.stdout.write(self.style.SUCCESS(f"{done} processed, {len(results) - done} still failing"))
