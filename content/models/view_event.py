"""Raw playback heartbeats, range-partitioned by day (content/partitioning.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import PartitionedModel


class ViewEvent(PartitionedModel):
    """One heartbeat of one playback session. Written by ``content.services.video_views`` only.

    ``counted`` is true on the one event where the session became a view (5 s or 30% watched,
    once per viewer and video in 24 hours).
    """

    video = models.ForeignKey("content.Video", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewer_key = models.CharField(max_length=80, help_text="user:<id> or anon:<client id>.")
    session = models.UUIDField(help_text="The playback session, chosen by the client.")
    position = models.FloatField(help_text="Seconds into the video.")
    watched = models.FloatField(help_text="Seconds watched in this session so far.")
    country = models.CharField(max_length=2, blank=True)
    counted = models.BooleanField(default=False)

    class Meta(PartitionedModel.Meta):
        indexes = [
            models.Index(fields=["video", "viewer_key", "-created_at"], name="content_viewevent_viewer"),
            models.Index(fields=["video", "session"], name="content_viewevent_session"),
        ]
