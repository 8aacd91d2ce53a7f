"""One rung of a video's HLS ladder, and the processing job that makes it."""

from __future__ import annotations

from django.db import models

from core.models import BaseModel


class Rendition(BaseModel):
    """A rendition (240p ... 1080p) and its job state: one row per video and rung, never two.

    Status, moved only by ``content.services.video_pipeline``:

    - ``pending → running``: a worker claims the job (``attempts`` + 1, ``heartbeat_at`` set).
    - ``running → ready``: ffmpeg finished; ``playlist`` names the media playlist.
    - ``running → failed``: ffmpeg failed (``error_code``, ``error_message``).
    - ``failed → pending``: retried by the owner, an operator, or the reconciler.
    - ``running → pending``: the reconciler found the heartbeat older than the deadline.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    video = models.ForeignKey("content.Video", on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=10, help_text="240p, 360p, 480p, 720p or 1080p.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    video_bitrate = models.PositiveIntegerField(help_text="kbit/s.")
    audio_bitrate = models.PositiveIntegerField(help_text="kbit/s.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    playlist = models.CharField(max_length=100, blank=True)
    external_job_id = models.CharField(max_length=100, blank=True, help_text="MediaConvert's job id, if any.")

    class Meta(BaseModel.Meta):
        ordering = ["height"]
        constraints = [
            models.UniqueConstraint(fields=["video", "name"], name="content_rendition_video_name"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="content_rendition_progress_le_100"),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="content_rendition_stuck"),
            models.Index(fields=["external_job_id"], name="content_rendition_job"),
        ]

    def __str__(self) -> str:
        return f"{self.video_id} {self.name}"
