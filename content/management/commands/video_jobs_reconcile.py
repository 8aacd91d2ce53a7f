from django.core.management.base import BaseCommand

from content.services.video_pipeline import video_jobs_reconcile


class Command(BaseCommand):
    help = (
        "Retry rendition jobs a worker lost: running with a heartbeat older than VIDEO_JOB_DEADLINE_SECONDS, "
        "or pending and untouched that long. Celery beat runs it every 5 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what it would do; change and send nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        counts = video_jobs_reconcile(dry_run=dry_run)
        self.stdout.write(
            ("would retry {retried}, fail {failed}, requeue {requeued}, poll {polled}, abort {aborted} S3 uploads"
             if dry_run else
             "retried {retried}, failed {failed}, requeued {requeued}, polled {polled}, aborted {aborted} S3 uploads"
             ).format(**counts)
        )  # fmt: skip
