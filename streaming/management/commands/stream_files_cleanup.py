from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Remove the local ingest's HLS directories of streams that ended (after the retention period and "
        "once their recording is settled), were deleted, or no longer exist. Never a live or scheduled one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be removed; remove nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        from streaming.services.local_files import stream_files_cleanup

        result = stream_files_cleanup(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for stream_id, reason in result.removed:
            self.stdout.write(f"{verb} {stream_id} ({reason})")
        self.stdout.write(f"{verb} {len(result.removed)}, kept {result.kept}")
