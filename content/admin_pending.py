"""Content's pending work on the admin index (core/admin_pending.py): failed video processing."""

from core.admin_pending import PendingWork, changelist_url, may_view


def failed_videos(request) -> PendingWork | None:
    from content.models import Video

    if not may_view(request, Video):
        return None
    count = Video.objects.filter(status=Video.Status.FAILED).count()
    return PendingWork(key="failed-videos", label="Videos whose processing failed", count=count,
                       help="Retry their renditions from the video's page.",
                       url=changelist_url(Video, "status__exact=failed"))  # fmt: skip
