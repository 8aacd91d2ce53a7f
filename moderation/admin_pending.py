"""Moderation's pending work on the admin index (core/admin_pending.py): the queue of open cases."""

from core.admin_pending import PendingWork, changelist_url, may_view


def open_cases(request) -> PendingWork | None:
    from moderation.models import Case
    from moderation.selectors import pending_work_counts

    if not may_view(request, Case):
        return None
    counts = pending_work_counts()
    help_text = f"{counts['unassigned']} with nobody assigned"
    if counts["urgent"]:
        help_text += f"; {counts['urgent']} urgent (child safety or self-harm) first"
    return PendingWork(key="moderation-cases", label="Open reports to review", count=counts["open_cases"],
                       help=help_text + ".", urgent=counts["urgent"] > 0,
                       url=changelist_url(Case, "status=open"))  # fmt: skip
