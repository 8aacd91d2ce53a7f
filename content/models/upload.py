"""A resumable upload of a video's source file, appended chunk by chunk at known offsets."""

from __future__ import annotations

from django.db import models

from core.models import BaseModel


class Upload(BaseModel):
    """The upload of one video's source. ``offset`` is how many bytes are stored so far.

    Local mode (``VIDEO_UPLOAD_MODE=local``): the file arrives in PATCH chunks under ``VIDEO_ROOT``.
    S3 mode (``VIDEO_UPLOAD_MODE=s3``): the client PUTs ``part_count`` parts of ``part_size`` bytes
    (the last one shorter) to presigned URLs of the S3 multipart upload ``s3_upload_id`` at ``s3_key``.

    Status:

    - ``open → complete``: local, ``offset == size`` (``content.services.videos.upload_append``);
      S3, the client's completion with the parts' ETags and an object of the declared size
      (``content.services.video_s3.upload_s3_complete``).
    - ``open → aborted``: S3, the video was deleted or the upload abandoned
      (``content.services.video_s3.upload_s3_abort``); the multipart upload is aborted in the bucket.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"
        ABORTED = "aborted", "Aborted"

    class Mode(models.TextChoices):
        LOCAL = "local", "Chunks to the server"
        S3 = "s3", "Presigned S3 multipart upload"

    video = models.OneToOneField("content.Video", on_delete=models.CASCADE, related_name="upload")
    size = models.BigIntegerField(help_text="Declared total size in bytes.")
    offset = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    mode = models.CharField(max_length=5, choices=Mode.choices, default=Mode.LOCAL)
    s3_key = models.CharField(max_length=200, blank=True)
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    part_size = models.BigIntegerField(default=0, help_text="S3 mode: bytes of every part but the last.")

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
