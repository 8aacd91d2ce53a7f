"""Each user's notification preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class NotificationSettings(BaseModel):
    """Per kind and channel on/off, who may trigger each kind, quiet hours, email digests.

    ``channels`` is ``{kind: {channel: bool}}`` and ``senders`` is ``{kind: rule}``; what is not
    there follows the kind's defaults (``notifications.kinds``). A user without a row has the
    defaults everywhere. Quiet hours are local times in the user's own time zone; when start is
    after end they run across midnight.
    """

    class Digest(models.TextChoices):
        OFF = "off", "Off"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channels = models.JSONField(default=dict, blank=True)
    senders = models.JSONField(default=dict, blank=True)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    digest_frequency = models.CharField(max_length=10, choices=Digest.choices, default=Digest.OFF)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name_plural = "notification settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="notif_settings_quiet_hours_both",
            ),
            models.CheckConstraint(
                condition=models.Q(digest_frequency__in=["off", "daily", "weekly"]), name="notif_settings_digest"
            ),
        ]

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"
