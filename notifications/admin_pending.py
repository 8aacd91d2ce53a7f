"""Notifications' pending work on the admin index (core/admin_pending.py): announcements sending."""

from core.admin_pending import PendingWork, changelist_url, may_view


def announcements_sending(request) -> PendingWork | None:
    from notifications.models import Announcement

    if not may_view(request, Announcement):
        return None
    count = Announcement.objects.exclude(status=Announcement.Status.DONE).count()
    return PendingWork(key="announcements", label="Announcements still being sent", count=count,
                       url=changelist_url(Announcement))  # fmt: skip
