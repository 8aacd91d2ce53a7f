"""Accounts' pending work on the admin index (core/admin_pending.py): appeals to decide."""

from core.admin_pending import PendingWork, changelist_url, may_view


def pending_appeals(request) -> PendingWork | None:
    from accounts.models import Appeal

    if not may_view(request, Appeal):
        return None
    count = Appeal.objects.filter(status=Appeal.Status.PENDING).count()
    return PendingWork(key="appeals", label="Appeals waiting for a decision", count=count, urgent=True,
                       url=changelist_url(Appeal, "status__exact=pending"))  # fmt: skip
