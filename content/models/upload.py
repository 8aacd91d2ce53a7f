"""A resumable upload of a video's source file, appended chunk by chunk at known offsets."""

from __future__ import annotations

from django.db import models

from core.models import BaseModel


class Upload(BaseModel):
    """The upload of one video's source. ``offset`` is how many bytes are stored so far.

    Status: ``open → complete`` when ``offset == size`` (``content.services.videos.upload_append``).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"

    video = models.OneToOneField("content.Video", on_delete=models.CASCADE, related_name="upload")
    size = models.BigIntegerField(help_text="Declared total size in bytes.")
    offset = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__lte=models.F("size")), name="content_upload_offset_le_size"
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="content_upload_size_positive"),
        ]

    def __str__(self) -> str:
        return f"upload of {self.video_id}: {self.offset}/{self.size}"


class UploadPart(BaseModel):
    """One chunk received: where it starts and how long it is. Parts never overlap."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="parts")
    offset = models.BigIntegerField()
    length = models.BigIntegerField()

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["upload", "offset"], name="content_uploadpart_offset")]
