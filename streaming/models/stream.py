"""A live stream and its settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.models import SoftDeleteModel


class LiveStream(SoftDeleteModel):
    """One broadcast by one creator.

    Status machine (transitions only in ``streaming.services``):

    - ``scheduled → live``: the ingest (local RTMP, or IVS's "Stream Start" event or the
      reconciler) reports that the creator started publishing; a stream created "now" starts
      ``scheduled`` with ``scheduled_at`` unset and goes live the same way.
    - ``live → ended``: the ingest reports the end, the creator ends it, or a moderator ends it
      with a reason.
    - ``scheduled → ended``: the creator cancels it.

    ``ended`` is final. ``stream_key`` is a secret: shown to the owner only, rotated through
    the service, never logged (``__str__``/``repr`` leave it out).
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        UNLISTED = "unlisted", "Unlisted"
        FOLLOWERS = "followers", "Followers only"
        SUBSCRIBERS = "subscribers", "Subscribers only"

    class Provider(models.TextChoices):
        LOCAL = "local", "Local RTMP ingest"
        IVS = "ivs", "AWS IVS"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_streams")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)
    minimum_tier = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Subscribers-only streams: the lowest membership tier position admitted (none: any).",
    )
    monetized = models.BooleanField(
        default=True,
        help_text="Ads may run beside the stream (the ads app's stream_side placement); off: the creator opts out.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True, default="")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Ingest
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.LOCAL)
    stream_key = models.CharField(max_length=128, unique=True, editable=False)
    ivs_channel_arn = models.CharField(max_length=300, blank=True, default="")
    ivs_stream_key_arn = models.CharField(max_length=300, blank=True, default="")
    ingest_endpoint = models.CharField(max_length=300, blank=True, default="")
    playback_url = models.CharField(max_length=500, blank=True, default="")

    # Recording: an ended stream becomes a video in the content app.
    record = models.BooleanField(default=False)
    recording_video = models.ForeignKey(
        "content.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Chat settings (the chat consumer reads them; the owner and moderators change them).
    chat_enabled = models.BooleanField(default=True)
    slow_mode_seconds = models.PositiveIntegerField(default=0, help_text="0: off.")
    followers_only_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Only users following for this many minutes may send. Empty: off."
    )
    subscribers_only = models.BooleanField(default=False)
    emoji_only = models.BooleanField(default=False)
    blocked_words = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    pinned_message = models.ForeignKey(
        "streaming.StreamChat", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Summary kept when the stream ends.
    peak_viewers = models.PositiveIntegerField(default=0)
    average_viewers = models.FloatField(default=0)
    total_watch_seconds = models.FloatField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)
    chat_messages_count = models.PositiveIntegerField(default=0)

    class Meta(SoftDeleteModel.Meta):
        ordering = ["-id"]
        permissions = [("moderate_streams", "Can end live streams, read chat logs and ban users from chat")]
        indexes = [
            models.Index(fields=["owner", "-id"], name="streaming_stream_owner"),
            models.Index(fields=["status", "-id"], name="streaming_stream_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "live", "ended"]), name="streaming_stream_status_values"
            ),
            # One live stream per creator at a time.
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(status="live", deleted_at__isnull=True),
                name="streaming_one_live_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

    def __repr__(self) -> str:
        return f"<LiveStream {self.pk} {self.status}>"
