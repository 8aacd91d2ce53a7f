"""Fanfare's own rows for money that moves through Stripe: customers, payments, refunds, disputes.

dj-stripe keeps the mirror of Stripe's objects (and the webhook log); these rows say what each
charge is for and where it stands for Fanfare. They refer to Stripe objects by id (``pi_...``,
``re_...``, ``dp_...``), not by foreign keys to the mirror: a Payment exists before its mirror
does, and webhooks may arrive in any order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class BillingCustomer(BaseModel):
    """The Stripe customer of a user, created the first time the user needs one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_customer")
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    default_payment_method_id = models.CharField(max_length=255, blank=True, default="")
    livemode = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.stripe_customer_id


class Payment(BaseModel):
    """One charge: who paid, who it is for, what for, and where it stands.

    ``status`` follows the PaymentIntent and its charge; it changes only in
    ``billing.services.payments`` (``_TRANSITIONS`` there is the one list of moves)::

        pending ─┬─> requires_action ─┬─> processing ─┬─> succeeded ─┬─> partially_refunded ─> refunded
                 ├─> processing       ├─> succeeded   └─> failed     ├─> refunded
                 ├─> succeeded        ├─> failed                     └─> disputed ─> (won) succeeded / refunded
                 ├─> failed ──────────┴─> canceled
                 └─> canceled          (failed -> pending/requires_action/... when the payer tries another card)

    ``amount_refunded`` and ``fee`` are Stripe's numbers (minor units of ``currency``).
    """

    class Purpose(models.TextChoices):
        MEMBERSHIP = "membership", "Membership"
        TIP = "tip", "Tip"
        AD_TOPUP = "ad_topup", "Ad budget top-up"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Requires action"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"
        DISPUTED = "disputed", "Disputed"

    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="billing_payments"
    )
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="billing_payments_received",
        help_text="The creator (or advertiser account) the money is for.",
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    purpose_ref = models.CharField(max_length=100, blank=True, default="", help_text="Id of the owning object.")
    description = models.CharField(max_length=255, blank=True, default="")
    amount = models.BigIntegerField(help_text="Minor units of currency.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=200, unique=True, help_text="From the domain operation.")
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    stripe_payment_method_id = models.CharField(max_length=255, blank=True, default="")
    fee = models.BigIntegerField(default=0, help_text="Stripe's fee, from the charge's balance transaction.")
    amount_refunded = models.BigIntegerField(default=0)
    failure_code = models.CharField(max_length=64, blank=True, default="")
    failure_message = models.CharField(max_length=500, blank=True, default="")
    receipt_url = models.URLField(max_length=500, blank=True, default="")
    succeeded_at = models.DateTimeField(null=True, blank=True)
    livemode = models.BooleanField(default=False)
    stripe_read_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the last full read of Stripe's state of it by webhook processing began (events "
        "created before it are covered by it).",
    )

    class Meta(BaseModel.Meta):
        indexes = [
            models.Index(fields=["payer", "-created_at"], name="billing_payment_payer"),
            models.Index(fields=["beneficiary", "-created_at"], name="billing_payment_beneficiary"),
            models.Index(fields=["status", "-created_at"], name="billing_payment_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_payment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount_refunded__gte=0, amount_refunded__lte=models.F("amount")),
                name="billing_payment_refunded_within_amount",
            ),
            models.CheckConstraint(condition=models.Q(currency__regex=r"^[a-z]{3}$"), name="billing_payment_currency"),
        ]
        permissions = [("refund_payment", "Can refund payments")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.amount} {self.currency.upper()} ({self.status})"


class Refund(BaseModel):
    """A refund of (part of) a payment, asked for by finance staff or by a service.

    ``pending`` holds its amount against the payment (two refunds can never exceed it); the
    Stripe refund is made after the row commits, with ``refund:<id>`` as its idempotency key.
    Transitions (``billing.services.refunds``): pending -> succeeded | failed; succeeded -> failed
    (Stripe may fail a refund later, which posts a reversing entry).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=500, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True, default="")

    class Meta(BaseModel.Meta):
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency.upper()} of {self.payment_id} ({self.status})"


class Dispute(BaseModel):
    """A chargeback on a payment's charge, as Stripe reports it; evidence goes to Stripe from the admin."""

    class Status(models.TextChoices):
        # Stripe's dispute statuses.
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
        WARNING_CLOSED = "warning_closed", "Inquiry: closed"
        NEEDS_RESPONSE = "needs_response", "Needs response"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=32, choices=Status.choices)
    creator_held = models.BigIntegerField(default=0, help_text="The creator's share held while it is open.")
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    evidence_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        permissions = [("submit_dispute_evidence", "Can submit dispute evidence")]

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} ({self.status})"
