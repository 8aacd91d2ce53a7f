"""Ads' pending work on the admin index (core/admin_pending.py): campaigns waiting for review."""

from core.admin_pending import PendingWork, changelist_url, may_view


def campaigns_in_review(request) -> PendingWork | None:
    from ads.models import Campaign

    if not may_view(request, Campaign):
        return None
    count = Campaign.objects.filter(status=Campaign.Status.IN_REVIEW).count()
    return PendingWork(
        key="ads-campaigns-review",
        label="Ad campaigns to review",
        count=count,
        help="Approve or reject campaigns advertisers submitted.",
        url=changelist_url(Campaign, "status__exact=in_review"),
    )
