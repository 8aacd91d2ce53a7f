"""A notification in a user's inbox: one event, or a group of events of one kind on one target."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.models import BaseModel, SoftDeleteModel


class Notification(SoftDeleteModel):
    """What the recipient sees. A groupable kind merges the events on one target within the
    grouping window into one row (``group_key``), keeping every actor in :class:`NotificationActor`.

    The target is a generic reference without a cascade: when the target is deleted the
    notification stays, and ``target_title`` (a snapshot taken at notify time) still reads.

    Transitions (``notifications.services``): unread -> read (``read_at`` set) by the mark-read
    services; read -> unread when a new event joins the group; alive -> deleted (soft) when the
    last actor of a group is removed, or for good by ``purge_notifications``.
    ``seen_at`` only records that the inbox was opened; expired rows (``expires_at`` past) are
    hidden and purged.
    """

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    actor_count = models.PositiveIntegerField(default=0)
    target_content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_content_type", "target_object_id")
    target_title = models.CharField(max_length=200, blank=True)
    # Free data for clients; ``actions`` is a list of {label, action, url | api: {method, path}}.
    data = models.JSONField(default=dict, blank=True)
    group_key = models.CharField(max_length=200, blank=True)
    # Shown in the inbox; false when the recipient turned the in-app channel off for this kind.
    in_app = models.BooleanField(default=True)
    last_event_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta(SoftDeleteModel.Meta):
        indexes = [
            models.Index(
                fields=["recipient", "-last_event_at", "-id"],
                name="notif_inbox",
                condition=models.Q(deleted_at__isnull=True, in_app=True),
            ),
            models.Index(
                fields=["recipient"],
                name="notif_unread",
                condition=models.Q(deleted_at__isnull=True, in_app=True, read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "group_key", "-created_at"], name="notif_group"),
            models.Index(fields=["expires_at"], name="notif_expiry", condition=models.Q(expires_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__in=["low", "normal", "high", "critical"]), name="notif_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationActor(models.Model):
    """One actor of a notification (one liker of a post). Removed when the action is undone."""

    id = models.BigAutoField(primary_key=True)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="actor_links")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "actor"], name="notif_actor_once"),
        ]
        indexes = [models.Index(fields=["notification", "-created_at"], name="notif_actor_recent")]

    def __str__(self) -> str:
        return f"{self.actor_id} on {self.notification_id}"


class NotificationKey(BaseModel):
    """An idempotency key already used for ``recipient``: a second ``notify`` with it changes nothing."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="keys")

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notif_key_once")]
