"""Live tips (the seed's StreamDonation): a viewer's paid message in a stream's chat.

Streaming owns the tip (which stream, who, the message, the highlight); billing owns its money
(the ``Payment``, purpose ``tip``, and its ledger entries). The tip shows in the chat only once
its payment has succeeded (``streaming.services.tips``, called by billing through the purpose
handler registered in ``StreamingConfig.ready()``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class StreamTip(BaseModel):
    """One tip. ``status`` follows its payment::

        pending ─┬─> requires_action ─┬─> succeeded ─┬─> refunded
                 ├─> succeeded        └─> failed     └─> disputed ─> succeeded (won) / refunded (lost)
                 └─> failed

    ``highlighted_at`` is when it was shown in the chat (the payment's success), ``pin_seconds``
    how long clients keep it pinned (``streaming.services.tips.pin_seconds_for``).
    ``reversed_at`` marks a refunded or disputed tip in the chat history and the control room.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Requires action"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"
        DISPUTED = "disputed", "Disputed"

    stream = models.ForeignKey("streaming.LiveStream", on_delete=models.PROTECT, related_name="tips")
    tipper = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="tips_sent")
    amount = models.BigIntegerField(help_text="Minor units of currency.")
    currency = models.CharField(max_length=3)
    message = models.CharField(max_length=500, blank=True, default="")
    anonymous = models.BooleanField(default=False, help_text="Hidden from other viewers (the streamer sees who).")
    client_key = models.CharField(max_length=100, blank=True, default="", help_text="The client's idempotency key.")
    payment = models.OneToOneField(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="stream_tip"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    failure_code = models.CharField(max_length=64, blank=True, default="")
    highlighted_at = models.DateTimeField(null=True, blank=True)
    pin_seconds = models.PositiveIntegerField(default=0)
    chat_message = models.ForeignKey(
        "streaming.StreamChat", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["stream", "status"], name="streaming_tip_stream_status"),
            models.Index(fields=["tipper", "-id"], name="streaming_tip_tipper"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="streaming_tip_amount_positive"),
            models.UniqueConstraint(
                fields=["tipper", "client_key"], condition=~Q(client_key=""), name="streaming_tip_client_key"
            ),
        ]

    def __str__(self) -> str:
        return f"tip {self.amount} {self.currency.upper()} on {self.stream_id} ({self.status})"
