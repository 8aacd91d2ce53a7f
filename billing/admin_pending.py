"""Billing's pending work on the admin index (core/admin_pending.py): disputes awaiting evidence."""

from core.admin_pending import PendingWork, changelist_url, may_view


def disputes_needing_response(request) -> PendingWork | None:
    from billing.models import Dispute

    if not may_view(request, Dispute):
        return None
    waiting = [Dispute.Status.NEEDS_RESPONSE, Dispute.Status.WARNING_NEEDS_RESPONSE]
    count = Dispute.objects.filter(status__in=waiting).count()
    return PendingWork(key="billing-disputes", label="Disputes needing evidence", count=count, urgent=count > 0,
                       help="Submit evidence to Stripe before the dispute's deadline.",
                       url=changelist_url(Dispute, "status__in=needs_response,warning_needs_response"))  # fmt: skip


def payouts_awaiting_approval(request) -> PendingWork | None:
    """Payouts a run prepared (to check) and checked ones (for a second person to approve)."""
    from billing.models import Payout

    if not may_view(request, Payout):
        return None
    count = Payout.objects.filter(status__in=[Payout.Status.PREPARED, Payout.Status.CHECKED]).count()
    return PendingWork(key="billing-payouts", label="Payouts to check or approve", count=count,
                       help="Two people: one checks a payout, another approves it; then its transfer goes out.",
                       url=changelist_url(Payout, "status__in=prepared,checked"))  # fmt: skip
