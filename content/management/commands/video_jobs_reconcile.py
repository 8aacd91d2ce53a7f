from django.core.management.base import BaseCommand

from content.services.video_pipeline import video_jobs_reconcile


class Command(BaseCommand):
    help = (
        "Retry rendition jobs a worker lost: running with a heartbeat older than VIDEO_JOB_DEADLINE_SECONDS, "
        "or pending and untouched that long. Celery beat runs it every 5 minutes."
    )

    def handle(self, *args, **options):
        counts = video_jobs_reconcile()
        self.stdout.write(
            f"retried {counts['retried']}, failed {counts['failed']}, requeued {counts['requeued']}, "
            f"polled {counts['polled']}, aborted {counts['aborted']} S3 uploads"
        )
