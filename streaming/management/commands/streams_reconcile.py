from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Ask IVS (and the local ingest's files) for the real state of streams and fix stuck ones."

    def handle(self, *args, **options):
        from streaming.services.reconcile import streams_reconcile

        counts = streams_reconcile()
        self.stdout.write(f"started {counts['started']}, ended {counts['ended']}")
