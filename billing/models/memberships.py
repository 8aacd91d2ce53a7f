"""Memberships (the seed's Subscription): a creator's tiers, their prices, and who is a member.

- :class:`MembershipTier`: up to ``BILLING_MEMBERSHIP_MAX_TIERS`` (5) unarchived tiers per
  creator; ``position`` orders them, and a higher tier includes the lower ones (gating compares
  positions: a video's ``minimum_tier`` is a position). A tier is a Stripe Product.
- :class:`MembershipPrice`: one Stripe Price of a tier, per currency and interval (month,
  year). A price change makes a new row (new members pay it); the old one stays ``active=False``
  for the members still on it, who are moved at their renewal after notice
  (``billing.services.memberships``).
- :class:`Membership`: one viewer's membership of one creator (at most one live at a time).
  Status transitions (written once, in ``billing.services.memberships``)::

      incomplete ─> active | trialing | ended        (3-D Secure pending at join)
      trialing   ─> active | past_due | canceled
      active     ─> past_due | canceled | paused
      past_due   ─> active (a renewal paid) | ended (grace over) | canceled
      paused     ─> active (a creator's suspension lifted) | canceled
      canceled, ended: final (joining again makes a new Membership)

  ``canceled``: the subscription ended (at period end after a cancel, or a ban); ``ended``:
  access ended after a failed renewal's grace period, or a gift ran out.
- :class:`MembershipTrial`: the record that a viewer used a creator's trial (one per pair).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel

LIVE_STATUSES = ("incomplete", "trialing", "active", "past_due", "paused")
ACCESS_STATUSES = ("trialing", "active", "past_due")


class MembershipTier(BaseModel):
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_tiers")
    name = models.CharField(max_length=60)
    description = models.TextField(blank=True, default="", max_length=2000)
    benefits = models.JSONField(default=list, blank=True, help_text="A list of short lines.")
    position = models.PositiveSmallIntegerField(help_text="1 is the lowest; a higher tier includes the lower ones.")
    trial_days = models.PositiveSmallIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Archived: no new members; members stay.")
    stripe_product_id = models.CharField(max_length=255, blank=True, default="")

    class Meta(BaseModel.Meta):
        ordering = ["creator", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "position"],
                condition=Q(archived_at__isnull=True),
                name="billing_tier_position_unique",
            ),
            models.CheckConstraint(condition=Q(position__gte=1, position__lte=100), name="billing_tier_position"),
            models.CheckConstraint(condition=Q(trial_days__lte=90), name="billing_tier_trial_days"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (tier {self.position})"


class MembershipPrice(BaseModel):
    class Interval(models.TextChoices):
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"

    tier = models.ForeignKey(MembershipTier, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5, choices=Interval.choices)
    amount = models.BigIntegerField(help_text="Minor units.")
    active = models.BooleanField(default=True, help_text="New members pay the active price.")
    stripe_price_id = models.CharField(max_length=255, blank=True, default="")

    class Meta(BaseModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "currency", "interval"], condition=Q(active=True), name="billing_tier_price_active"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_tier_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.upper()}/{self.interval}"

    @property
    def amount_display(self) -> str:
        from billing.money import format_amount

        return format_amount(self.amount, self.currency)


class Membership(BaseModel):
    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", "Awaiting payment"
        TRIALING = "trialing", "Trial"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Renewal failed (grace period)"
        PAUSED = "paused", "Paused"
        CANCELED = "canceled", "Canceled"
        ENDED = "ended", "Ended"

    class Kind(models.TextChoices):
        PAID = "paid", "Paid"
        GIFT = "gift", "Gift"
        COMP = "comp", "Complimentary"

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="members")
    tier = models.ForeignKey(MembershipTier, on_delete=models.PROTECT, related_name="memberships")
    price = models.ForeignKey(MembershipPrice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.PAID)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INCOMPLETE)
    cancel_at_period_end = models.BooleanField(default=False)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True, help_text="Gifts: when it ends (none: never).")
    past_due_since = models.DateTimeField(null=True, blank=True)
    ending_notified_for = models.DateTimeField(null=True, blank=True, help_text="The period end already announced.")
    paused_by_moderation = models.BooleanField(default=False)
    stripe_subscription_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        indexes = [
            models.Index(fields=["creator", "status"], name="billing_membership_creator"),
            models.Index(fields=["status", "past_due_since"], name="billing_membership_grace"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["viewer", "creator"],
                condition=Q(status__in=LIVE_STATUSES),
                name="billing_membership_one_live",
            ),
            models.CheckConstraint(condition=~Q(viewer=models.F("creator")), name="billing_membership_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.creator_id} ({self.status})"


class MembershipTrial(BaseModel):
    """A viewer used a creator's free trial: one per viewer per creator, ever."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["viewer", "creator"], name="billing_trial_once")]

    def __str__(self) -> str:
        return f"trial {self.viewer_id} → {self.creator_id}"
