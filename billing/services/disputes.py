"""Disputes: Stripe opens and closes them (``payment_sync`` posts their entries); finance staff
send the evidence from the admin."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from billing.models import Dispute
from billing.services.payments import payment_sync
from billing.stripe_api import calling_stripe, client
from core.errors import ConflictError

# The evidence fields the admin offers (Stripe's names; text only, files are not sent from here).
EVIDENCE_TEXT_FIELDS = [
    "product_description",
    "customer_name",
    "customer_email_address",
    "customer_purchase_ip",
    "service_date",
    "access_activity_log",
    "refund_policy_disclosure",
    "uncategorized_text",
]
OPEN = {Dispute.Status.NEEDS_RESPONSE, Dispute.Status.WARNING_NEEDS_RESPONSE}


def dispute_evidence_submit(*, dispute: Dispute, evidence: dict[str, str], by=None) -> Dispute:
    """Send ``evidence`` to Stripe and submit it (the dispute goes under review)."""
    if dispute.status not in OPEN:
        raise ConflictError("Evidence can only be sent while the dispute needs a response.", code="dispute_not_open")
    fields = {key: value for key, value in evidence.items() if key in EVIDENCE_TEXT_FIELDS and value}
    with calling_stripe("dispute evidence"):
        client().v1.disputes.update(
            dispute.stripe_dispute_id,
            params={"evidence": fields, "submit": True, "metadata": {"submitted_by": str(getattr(by, "pk", ""))}},
            options={"idempotency_key": f"dispute-evidence:{dispute.pk}:{dispute.updated_at.timestamp()}"},
        )
    with transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(evidence_submitted_at=timezone.now())
    payment_sync(payment_intent_id=dispute.payment.stripe_payment_intent_id)
    dispute.refresh_from_db()
    return dispute
