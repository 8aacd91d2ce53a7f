"""Creators getting paid: their Stripe Connect account, their tax profile, payout runs and payouts.

The money itself is in the ledger (``creator:<id>:pending|available|held``); these rows say
where each creator's Connect account stands and what each payout is, for whom and for which
period (docs/billing.md, "Payouts").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class ConnectAccount(BaseModel):
    """A creator's Stripe Connect Express account, kept current by ``account.updated``."""

    class Status(models.TextChoices):
        DETAILS_NEEDED = "details_needed", "Details needed"
        PENDING_VERIFICATION = "pending_verification", "Pending verification"
        ENABLED = "enabled", "Enabled"
        RESTRICTED = "restricted", "Restricted"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="connect_account")
    stripe_account_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DETAILS_NEEDED)
    country = models.CharField(max_length=2, blank=True, default="")
    default_currency = models.CharField(max_length=3, blank=True, default="")
    details_submitted = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    transfers_capability = models.CharField(max_length=20, blank=True, default="inactive")
    requirements_due = models.JSONField(default=list, blank=True, help_text="Stripe's currently_due.")
    disabled_reason = models.CharField(max_length=100, blank=True, default="")
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({self.status})"


class TaxProfile(BaseModel):
    """A creator's tax facts as Fanfare keeps them: country, whether the tax form was collected
    (the form and any tax id live with the provider, never here), and the withholding rate that
    finance sets (basis points of each payout, posted to ``platform:tax_withholding``)."""

    class FormStatus(models.TextChoices):
        NOT_COLLECTED = "not_collected", "Not collected"
        COLLECTED = "collected", "Collected"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tax_profile")
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2.")
    form_status = models.CharField(max_length=20, choices=FormStatus.choices, default=FormStatus.NOT_COLLECTED)
    withholding_bps = models.PositiveIntegerField(default=0, help_text="Set by finance: basis points withheld.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(BaseModel.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(withholding_bps__lte=10_000), name="billing_tax_withholding_bps"),
        ]

    def __str__(self) -> str:
        return f"tax profile of {self.user_id}"


class PayoutRun(BaseModel):
    """One weekly payout run: the period it covers and what it made (``payouts_prepare``)."""

    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    prepared_count = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict, blank=True, help_text="Why creators were left out, by reason.")

    class Meta(BaseModel.Meta):
        ordering = ["-period_start"]
        constraints = [models.UniqueConstraint(fields=["period_start", "period_end"], name="billing_payoutrun_period")]

    def __str__(self) -> str:
        return f"payout run {self.period_start}..{self.period_end}"


class Payout(BaseModel):
    """What one creator is paid for one period in one currency.

    Status moves (``billing.services.payouts``)::

        prepared ─> checked ─> approved ─┬─> paid ─> reversed
           │  ^        │                 └─> failed
           v  │        v
           held (finance or moderation) ─> canceled

    ``amount`` leaves ``creator:<id>:available`` when approved; ``withholding`` of it goes to
    ``platform:tax_withholding`` and ``net`` is the Transfer. A failed or reversed transfer
    returns ``net`` and ``withholding`` to available.
    """

    class Status(models.TextChoices):
        PREPARED = "prepared", "Prepared"
        CHECKED = "checked", "Checked (awaiting a second approver)"
        APPROVED = "approved", "Approved (transfer being sent)"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        REVERSED = "reversed", "Reversed"
        HELD = "held", "Held"
        CANCELED = "canceled", "Canceled"

    OPEN = (Status.PREPARED, Status.CHECKED, Status.APPROVED, Status.HELD)

    run = models.ForeignKey(PayoutRun, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts")
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    currency = models.CharField(max_length=3)
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.BigIntegerField(help_text="Minor units taken from available.")
    withholding = models.BigIntegerField(default=0)
    net = models.BigIntegerField(help_text="amount - withholding: the Transfer.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREPARED)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    stripe_account_id = models.CharField(max_length=255, blank=True, default="")
    stripe_transfer_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True, default="")
    failure_message = models.CharField(max_length=500, blank=True, default="")
    hold_reason = models.CharField(max_length=500, blank=True, default="")
    held_by_moderation = models.BooleanField(default=False)
    notes = models.TextField(blank=True, default="", help_text="Who did what and why (appended).")

    class Meta(BaseModel.Meta):
        ordering = ["-period_start", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "currency", "period_start", "period_end"], name="billing_payout_creator_period"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(net=models.F("amount") - models.F("withholding")), name="billing_payout_net"
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True)
                | Q(approved_by__isnull=True)
                | ~Q(checked_by=models.F("approved_by")),
                name="billing_payout_four_eyes",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="billing_payout_status")]
        permissions = [("approve_payout", "Can check and approve payouts")]

    def __str__(self) -> str:
        return f"payout {self.amount} {self.currency.upper()} to {self.creator_id} ({self.status})"
