"""Streaming's pending work on the admin index (core/admin_pending.py): streams live now."""

from core.admin_pending import PendingWork, changelist_url, may_view


def live_streams(request) -> PendingWork | None:
    from streaming.models import LiveStream

    if not may_view(request, LiveStream):
        return None
    count = LiveStream.objects.filter(status=LiveStream.Status.LIVE).count()
    return PendingWork(key="live-streams", label="Streams live now", count=count,
                       help="Watch them and end one that breaks the rules.",
                       url=changelist_url(LiveStream, "status__exact=live"))  # fmt: skip
