"""Memberships when their creator is suspended or banned (moderation.services.enforcement).

- Suspension: every paid membership of the creator is **paused**: Stripe stops collecting
  (``pause_collection[behavior]=void``, so renewals during the suspension charge nothing) and
  members lose access (the creator's content is hidden anyway); gifts are paused too. Members
  are told. Lifting the suspension (or its end) resumes them: collection restarts and access
  comes back.
- Ban: every live membership is **cancelled** now (the Stripe subscription is deleted) and the
  unused part of the current period is refunded through billing's refund service: the last
  paid invoice's amount times the share of its period still to run, rounded down (the refund
  rule, docs/billing.md). Lifting a ban does not bring them back.

The rows change inside the enforcement's transaction; the Stripe calls and refunds run after
it commits (``core.side_effects.after_commit``), each with an idempotency key.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import Membership, Payment
from billing.models.memberships import LIVE_STATUSES
from billing.stripe_api import calling_stripe, client
from core.side_effects import after_commit

logger = logging.getLogger(__name__)
M = Membership.Status


def _tell(membership: Membership, text: str, key: str) -> None:
    from notifications.services import notify

    notify(
        recipient=membership.viewer,
        kind="membership_paused",
        target=membership.tier,
        data={"membership_id": str(membership.pk), "message": text},
        idempotency_key=key,
    )


def memberships_of_creator_pause(*, creator, marker: str = "") -> dict[str, Any]:
    """A suspension: pause the creator's live memberships (see the module docstring)."""
    live = list(
        Membership.objects.select_for_update()
        .filter(creator=creator, status__in=[M.ACTIVE, M.TRIALING, M.PAST_DUE])
        .select_related("viewer", "tier")
    )
    for membership in live:
        Membership.objects.filter(pk=membership.pk).update(
            status=M.PAUSED, paused_by_moderation=True, updated_at=timezone.now()
        )
        _tell(
            membership,
            "The creator's account is suspended: your membership is paused and you are not charged meanwhile.",
            f"membership_paused:{membership.pk}:{marker}",
        )
        if membership.stripe_subscription_id:
            after_commit(_stripe_pause, membership.pk, True)
    return {"paused": len(live)}


def memberships_of_creator_resume(*, creator, marker: str = "") -> dict[str, Any]:
    """A suspension lifted or over: the memberships it paused are resumed."""
    paused = list(
        Membership.objects.select_for_update()
        .filter(creator=creator, status=M.PAUSED, paused_by_moderation=True)
        .select_related("viewer", "tier")
    )
    for membership in paused:
        Membership.objects.filter(pk=membership.pk).update(
            status=M.ACTIVE, paused_by_moderation=False, updated_at=timezone.now()
        )
        _tell(
            membership,
            "The creator is back: your membership is active again.",
            f"membership_resumed:{membership.pk}:{marker}",
        )
        if membership.stripe_subscription_id:
            after_commit(_stripe_pause, membership.pk, False)
    return {"resumed": len(paused)}


def _stripe_pause(membership_id, pause: bool) -> None:
    membership = Membership.objects.get(pk=membership_id)
    with calling_stripe("subscription pause"):
        client().v1.subscriptions.update(
            membership.stripe_subscription_id,
            params={"pause_collection": {"behavior": "void"} if pause else ""},
        )


def refund_due(*, membership: Membership, now=None) -> tuple[Payment | None, int]:
    """The refund rule: the last paid payment of the membership, and its amount times the share
    of the current period still to run (rounded down). (None, 0) when nothing is due."""
    now = now or timezone.now()
    payment = (
        Payment.objects.filter(
            purpose=Payment.Purpose.MEMBERSHIP,
            purpose_ref=str(membership.pk),
            status__in=[Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED],
        )
        .order_by("-created_at")
        .first()
    )
    start, end = membership.current_period_start, membership.current_period_end
    if payment is None or start is None or end is None or end <= now:
        return None, 0
    length = (end - start).total_seconds()
    left = (end - max(now, start)).total_seconds()
    if length <= 0:
        return None, 0
    amount = min(int(payment.amount * left // length), payment.amount - payment.amount_refunded)
    return payment, max(amount, 0)


def memberships_of_creator_cancel(*, creator, reason: str) -> dict[str, Any]:
    """A ban: cancel the creator's live memberships now and refund the unused part of each period."""
    live = list(
        Membership.objects.select_for_update()
        .filter(creator=creator, status__in=LIVE_STATUSES)
        .select_related("viewer", "tier")
    )
    refunds = []
    now = timezone.now()
    for membership in live:
        payment, amount = refund_due(membership=membership, now=now)
        Membership.objects.filter(pk=membership.pk).update(status=M.CANCELED, ended_at=now, updated_at=now)
        _tell(
            membership,
            "The creator's account was closed: your membership is cancelled"
            + (" and the unused part refunded." if amount else "."),
            f"membership_canceled_ban:{membership.pk}",
        )
        if membership.stripe_subscription_id:
            after_commit(_stripe_cancel, membership.pk)
        if payment is not None and amount > 0:
            refunds.append(amount)
            after_commit(_refund, payment.pk, amount, reason)
    return {"canceled": len(live), "refunds": len(refunds), "refunded": sum(refunds)}


def _stripe_cancel(membership_id) -> None:
    membership = Membership.objects.get(pk=membership_id)
    with calling_stripe("subscription cancel"):
        remote = client().v1.subscriptions.retrieve(membership.stripe_subscription_id)
        if remote.status != "canceled":
            client().v1.subscriptions.cancel(
                membership.stripe_subscription_id, options={"idempotency_key": f"membership:{membership.pk}:ban"}
            )


def _refund(payment_id, amount: int, reason: str) -> None:
    from billing.services.refunds import refund_create

    with transaction.atomic():
        payment = Payment.objects.get(pk=payment_id)
    refund_create(payment=payment, amount=amount, reason=f"Creator banned: {reason}"[:500])
