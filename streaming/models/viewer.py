"""Who watches a stream: one row per viewing session, range-partitioned by day."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import PartitionedModel


class StreamViewer(PartitionedModel):
    """One viewing session of one viewer (a user, or an anonymous client id) on one stream.

    ``created_at`` is when they joined (the partition key). Heartbeats (REST or the chat socket)
    move ``last_seen`` and add to ``watch_seconds``; a viewer unseen for
    ``streaming.services.viewers.GONE_AFTER`` seconds, or whose chat socket closed, has left
    (``left_at``), and comes back as a new row. Written by ``streaming.services.viewers`` only.
    A purged account's rows stay, anonymised (``viewer_sessions_of_user_anonymise``).
    """

    class Device(models.TextChoices):
        DESKTOP = "desktop", "Desktop"
        MOBILE = "mobile", "Mobile"
        TV = "tv", "TV"
        OTHER = "other", "Other"

    stream = models.ForeignKey("streaming.LiveStream", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewer_key = models.CharField(max_length=80, help_text="user:<id> or anon:<client id>.")
    last_seen = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    watch_seconds = models.FloatField(default=0)
    country = models.CharField(max_length=2, blank=True, default="")
    device = models.CharField(max_length=10, choices=Device.choices, default=Device.OTHER)

    class Meta(PartitionedModel.Meta):
        indexes = [
            models.Index(fields=["stream", "viewer_key", "-created_at"], name="streaming_viewer_key"),
            models.Index(fields=["stream", "left_at", "last_seen"], name="streaming_viewer_open"),
        ]

    @property
    def joined_at(self):
        return self.created_at

    def __str__(self) -> str:
        return f"{self.viewer_key} on {self.stream_id}"
