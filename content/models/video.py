"""A creator's video: metadata, processing state, access rules, monetization, moderation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models

from core.models import SoftDeleteModel

country_code = RegexValidator(r"^[A-Z]{2}$", "An ISO 3166-1 alpha-2 country code, upper case.")


class Video(SoftDeleteModel):
    """A video and its processing state machine.

    ``status`` moves only through ``content.services.videos`` and ``content.services.video_pipeline``:

    - ``draft → uploading``: the first chunk arrives (``upload_append``).
    - ``uploading → uploaded``: the last chunk arrives and the file probes as a video.
    - ``uploading → failed``: the complete file is not a video (``unsupported_media``).
    - ``uploaded → processing``: the pipeline starts (``video_processing_start``).
    - ``processing → ready``: every rendition is ready (``video_processing_settle``).
    - ``processing → failed``: a rendition failed for good, or probing/posters failed.
    - ``failed → processing``: the owner or an operator retries (``rendition_retry``).

    ``ready`` and ``failed`` are final until a retry. A video whose lowest rendition is ready is
    playable while the others finish (``content.selectors.videos.video_is_playable``).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        UPLOADING = "uploading", "Uploading"
        UPLOADED = "uploaded", "Uploaded"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        UNLISTED = "unlisted", "Unlisted (anyone with the link)"
        PRIVATE = "private", "Private (owner only)"
        SUBSCRIBERS = "subscribers", "Subscribers only"
        SCHEDULED = "scheduled", "Public from publish_at"

    class Moderation(models.TextChoices):
        VISIBLE = "visible", "Visible"
        LIMITED = "limited", "Limited (playable, left out of listings and search)"
        REMOVED = "removed", "Removed"

    class Storage(models.TextChoices):
        LOCAL = "local", "Local files (VIDEO_ROOT)"
        S3 = "s3", "S3 (VIDEO_S3_BUCKET)"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True, size=30)
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PRIVATE)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="With visibility 'scheduled'.")
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(blank=True)

    # Probed from the source file.
    duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=30, blank=True)
    audio_codec = models.CharField(max_length=30, blank=True)
    source_size = models.BigIntegerField(default=0, help_text="Bytes of the uploaded file.")

    # Outputs, as paths under the video's media directory (content.storage).
    source_name = models.CharField(max_length=100, blank=True)
    # Where the outputs below live: under VIDEO_ROOT, or under videos/<id>/ in VIDEO_S3_BUCKET.
    output_storage = models.CharField(max_length=5, choices=Storage.choices, default=Storage.LOCAL)
    master_playlist = models.CharField(max_length=100, blank=True)
    dash_manifest = models.CharField(max_length=100, blank=True)
    poster = models.CharField(max_length=100, blank=True)
    sprite = models.CharField(max_length=100, blank=True)
    sprite_columns = models.PositiveSmallIntegerField(default=0)
    sprite_interval = models.FloatField(default=0, help_text="Seconds between two sprite thumbnails.")

    geo_allow = ArrayField(models.CharField(max_length=2, validators=[country_code]), default=list, blank=True)
    geo_deny = ArrayField(models.CharField(max_length=2, validators=[country_code]), default=list, blank=True)

    monetized = models.BooleanField(default=False)
    midroll_offsets = ArrayField(models.PositiveIntegerField(), default=list, blank=True, help_text="Seconds.")
    minimum_tier = models.PositiveSmallIntegerField(null=True, blank=True)

    moderation_status = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE)
    moderation_reason = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    sensitive = models.BooleanField(default=False, help_text="Sensitive media: shown behind a warning.")

    view_count = models.PositiveBigIntegerField(default=0)
    watch_seconds = models.FloatField(default=0)
    likes_count = models.PositiveIntegerField(default=0)
    comments_count = models.PositiveIntegerField(default=0)
    saves_count = models.PositiveIntegerField(default=0)
    comments_enabled = models.BooleanField(default=True, help_text="The owner may turn comments off.")

    search_vector = SearchVectorField(null=True, editable=False)

    class Meta(SoftDeleteModel.Meta):
        permissions = [("moderate_videos", "Can limit, remove and restore videos, and retry their processing")]
        indexes = [
            GinIndex(fields=["tags"], name="content_video_tags_gin"),
            GinIndex(fields=["search_vector"], name="content_video_search_gin"),
            models.Index(fields=["owner", "-id"], name="content_video_owner"),
            models.Index(fields=["status", "moderation_status"], name="content_video_states"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="content_video_idempotency_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(visibility="scheduled") | models.Q(publish_at__isnull=False),
                name="content_video_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~(models.Q(geo_allow__len__gt=0) & models.Q(geo_deny__len__gt=0)),
                name="content_video_geo_allow_or_deny",
            ),
        ]

    def __str__(self) -> str:
        return self.title
