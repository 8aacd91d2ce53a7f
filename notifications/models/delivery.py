"""One attempt to deliver a notification on a channel beyond the inbox."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.ids import uuid7


class DeliveryAttempt(models.Model):
    """A row per attempt (each Celery retry writes its own), for answering "why didn't I get it?".

    Statuses: ``sent`` (the provider accepted it; ``provider_id`` is its id), ``failed`` (an
    error; retried when transient), ``skipped`` (nothing to deliver to: no push token, no
    verified number, the channel is not configured), ``deferred`` (quiet hours: waits until
    ``deliver_after``) -> ``released`` (handed to its task by ``deferred_deliveries_release``).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        PUSH = "push", "Push"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        DEFERRED = "deferred", "Deferred"
        RELEASED = "released", "Released"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    push_token = models.ForeignKey(
        "notifications.PushToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    deliver_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["deliver_after"], name="delivery_deferred_due", condition=models.Q(status="deferred")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["sent", "failed", "skipped", "deferred", "released"]),
                name="delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="deferred") | models.Q(deliver_after__isnull=False),
                name="delivery_deferred_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} for {self.notification_id}"
