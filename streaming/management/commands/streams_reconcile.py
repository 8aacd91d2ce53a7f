from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Ask IVS (and the local ingest's files) for the real state of streams and fix stuck ones."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what it would fix; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        from streaming.services.reconcile import streams_reconcile

        counts = streams_reconcile(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"would start {counts['started']}, end {counts['ended']}")
        else:
            self.stdout.write(f"started {counts['started']}, ended {counts['ended']}")
