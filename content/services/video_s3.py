"""S3 upload mode (``VIDEO_UPLOAD_MODE=s3``): presigned multipart uploads the client completes.

1. ``video_create`` opens an S3 multipart upload at ``videos/<video id>/source`` in
   ``VIDEO_S3_BUCKET`` (``upload_s3_start``); the upload's answer lists one presigned
   ``upload_part`` URL per part (``upload_s3_part_urls``).
2. The client PUTs each part to its URL and keeps the ``ETag`` header of each answer.
3. ``POST /api/v1/videos/uploads/{id}/complete/`` with the ETags: ``upload_s3_complete`` completes
   the multipart upload, checks the object's size against the declared size, then probes it
   (ffmpeg reads a presigned GET) and hands the video to the pipeline like a local upload.

Files the server makes itself (a stream's recording) take steps 2 and 3 in
``upload_s3_from_file``: the same parts PUT with the server's S3 client, then the same completion.

A deleted video's or an abandoned upload's multipart upload is aborted (``upload_s3_abort``,
``uploads_s3_abandoned_abort`` from the reconciler).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import shutil
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from content.models import Upload, Video
from content.transcoding.mediaconvert import s3_client, video_prefix
from content.video_files import source_path
from core.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
)
from core.side_effects import after_commit

logger = logging.getLogger(__name__)

S3_MAX_PARTS = 10_000
S3_MIN_PART_BYTES = 5 * 1024 * 1024


def s3_upload_mode() -> bool:
    """Whether new uploads go straight to the bucket (``VIDEO_UPLOAD_MODE=s3``)."""
    return settings.VIDEO_UPLOAD_MODE == "s3"


def source_key(*, video_id: Any) -> str:
    """The source's key: where MediaConvert reads it too."""
    return f"{video_prefix(video_id)}source"


def part_size_for(*, size: int) -> int:
    """``VIDEO_S3_PART_BYTES``, raised so that ``size`` fits in S3's 10,000 parts."""
    return max(settings.VIDEO_S3_PART_BYTES, math.ceil(size / S3_MAX_PARTS))


def part_count(*, upload: Upload) -> int:
    return math.ceil(upload.size / upload.part_size)


def _storage_unavailable(error: Exception) -> ServiceUnavailableError:
    logger.warning("video storage unavailable: %s", error)
    return ServiceUnavailableError("Video storage is not answering. Try again shortly.", code="storage_unavailable")


@contextlib.contextmanager
def _storage_answers():
    """An S3 that does not answer (or refuses us) is a 503 ``storage_unavailable``, never a 500."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise _storage_unavailable(error) from None


def upload_s3_start(*, upload: Upload) -> Upload:
    """Open the S3 multipart upload of ``upload`` (inside ``video_create``'s transaction, which a
    storage outage rolls back: ``storage_unavailable``, 503)."""
    key = source_key(video_id=upload.video_id)
    with _storage_answers():
        response = s3_client().create_multipart_upload(
            Bucket=settings.VIDEO_S3_BUCKET, Key=key, ContentType="application/octet-stream"
        )
    upload.mode = Upload.Mode.S3
    upload.s3_key = key
    upload.s3_upload_id = response["UploadId"]
    upload.part_size = part_size_for(size=upload.size)
    upload.save(update_fields=["mode", "s3_key", "s3_upload_id", "part_size", "updated_at"])
    return upload


def upload_s3_part_urls(*, upload: Upload) -> list[dict[str, Any]]:
    """One presigned ``upload_part`` URL per part, ``VIDEO_S3_UPLOAD_EXPIRES`` seconds each:
    ``[{"number": 1, "size": ..., "url": ...}, ...]``. Empty unless the S3 upload is open."""
    if upload.mode != Upload.Mode.S3 or upload.status != Upload.Status.OPEN:
        return []
    client = s3_client()
    count = part_count(upload=upload)
    return [
        {
            "number": number,
            "size": min(upload.part_size, upload.size - (number - 1) * upload.part_size),
            "url": client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": settings.VIDEO_S3_BUCKET,
                    "Key": upload.s3_key,
                    "UploadId": upload.s3_upload_id,
                    "PartNumber": number,
                },
                ExpiresIn=settings.VIDEO_S3_UPLOAD_EXPIRES,
            ),
        }
        for number in range(1, count + 1)
    ]


def source_url(*, upload: Upload, expires: int = 3600) -> str:
    """A presigned GET of the uploaded source (ffmpeg probes it over HTTP)."""
    return s3_client().generate_presigned_url(
        "get_object", Params={"Bucket": settings.VIDEO_S3_BUCKET, "Key": upload.s3_key}, ExpiresIn=expires
    )


def source_delete(*, upload: Upload) -> None:
    s3_client().delete_object(Bucket=settings.VIDEO_S3_BUCKET, Key=upload.s3_key)


def _ensure_open_s3_upload(upload: Upload | None) -> None:
    """404 for no upload (or someone else's); 409 ``not_s3_upload``, ``upload_complete``, ``upload_aborted``."""
    if upload is None:
        raise NotFoundError("No such upload.")
    if upload.mode != Upload.Mode.S3:
        raise ConflictError("This upload takes chunks (PATCH), not S3 parts.", code="not_s3_upload")
    if upload.status == Upload.Status.COMPLETE:
        raise ConflictError("This upload is complete.", code="upload_complete")
    if upload.status == Upload.Status.ABORTED:
        raise ConflictError("This upload was abandoned; start again.", code="upload_aborted")


def upload_s3_complete(*, upload_id: Any, user: User, parts: list[dict[str, Any]]) -> Upload:
    """Complete the multipart upload with the client's ``[{"number", "etag"}]``, check the size,
    then probe and start processing (``video_upload_finish``).

    404 for someone else's upload; 409 ``upload_complete``, ``upload_aborted`` or
    ``not_s3_upload``; 400 ``invalid_parts`` when the numbers are not 1..N or S3 refuses the
    ETags; 413 ``request_too_large`` or 400 ``size_mismatch`` when the object is not the declared
    size (the object is deleted and the video fails); 415 ``unsupported_media`` from the probe.
    """
    from content.services.videos import video_upload_finish

    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update()
            .select_related("video")
            .filter(pk=upload_id, video__owner=user, video__deleted_at__isnull=True)
            .first()
        )
        _ensure_open_s3_upload(upload)
        numbers = [part["number"] for part in parts]
        if numbers != list(range(1, part_count(upload=upload) + 1)):
            raise ApplicationError(
                f"Send the ETags of parts 1 to {part_count(upload=upload)}, in order.", code="invalid_parts"
            )
        client = s3_client()
        try:
            client.complete_multipart_upload(
                Bucket=settings.VIDEO_S3_BUCKET,
                Key=upload.s3_key,
                UploadId=upload.s3_upload_id,
                MultipartUpload={"Parts": [{"PartNumber": p["number"], "ETag": p["etag"]} for p in parts]},
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise ApplicationError(f"S3 refused the parts ({code}).", code="invalid_parts") from None
        except BotoCoreError as error:
            raise _storage_unavailable(error) from None
        with _storage_answers():
            stored = client.head_object(Bucket=settings.VIDEO_S3_BUCKET, Key=upload.s3_key)["ContentLength"]
        now = timezone.now()
        if stored != upload.size:
            Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.ABORTED, updated_at=now)
            Video.objects.filter(pk=upload.video_id).update(
                status=Video.Status.FAILED, error_code="size_mismatch", updated_at=now,
                error_message=f"The file is {stored} bytes, not the {upload.size} declared.",
            )  # fmt: skip
        else:
            Upload.objects.filter(pk=upload.pk).update(offset=F("size"), updated_at=now)
            Video.objects.filter(pk=upload.video_id, status=Video.Status.DRAFT).update(
                status=Video.Status.UPLOADING, updated_at=now
            )
    if stored != upload.size:
        source_delete(upload=upload)
        if stored > upload.size:
            raise PayloadTooLargeError(f"The file is {stored} bytes, more than the {upload.size} declared.")
        raise ApplicationError(f"The file is {stored} bytes, not the {upload.size} declared.", code="size_mismatch")
    video_upload_finish(video_id=upload.video_id)
    upload.refresh_from_db()
    return upload


def upload_s3_from_file(*, upload_id: Any, user: User, path: Path) -> Upload:
    """Server side, what a client does: PUT the local file ``path`` into the open S3 upload as its
    parts (same bucket, key, part size and client settings), then complete it through
    :func:`upload_s3_complete`, so the size check, the probe and the pipeline run as for a client.

    For files the platform makes itself (a live stream's recording). Each part is read from the
    file as it is sent, never held whole in memory; a retry after a failure re-sends every part
    (S3 keeps the last copy of a part number). 404 for someone else's upload; 409
    ``not_s3_upload``, ``upload_complete`` or ``upload_aborted``; 400 ``size_mismatch`` when the
    file is not the declared size (nothing is sent); 503 ``storage_unavailable``; then whatever
    the completion answers.
    """
    upload = Upload.objects.filter(pk=upload_id, video__owner=user, video__deleted_at__isnull=True).first()
    _ensure_open_s3_upload(upload)
    size = path.stat().st_size
    if size != upload.size:
        raise ApplicationError(f"The file is {size} bytes, not the {upload.size} declared.", code="size_mismatch")
    client = s3_client()
    parts = []
    from s3transfer.utils import ReadFileChunk  # with botocore's client: loaded when used, not at start-up

    with _storage_answers():
        for number in range(1, part_count(upload=upload) + 1):
            start = (number - 1) * upload.part_size
            with ReadFileChunk.from_filename(str(path), start, min(upload.part_size, size - start)) as body:
                response = client.upload_part(
                    Bucket=settings.VIDEO_S3_BUCKET,
                    Key=upload.s3_key,
                    UploadId=upload.s3_upload_id,
                    PartNumber=number,
                    Body=body,
                )
            parts.append({"number": number, "etag": response["ETag"]})
    return upload_s3_complete(upload_id=upload.pk, user=user, parts=parts)


def upload_s3_abort(*, upload: Upload) -> bool:
    """``open → aborted``, and abort the multipart upload in the bucket after commit.
    Returns whether there was an open S3 upload."""
    if upload.mode != Upload.Mode.S3 or not upload.s3_upload_id:
        return False
    changed = Upload.objects.filter(pk=upload.pk, status=Upload.Status.OPEN).update(
        status=Upload.Status.ABORTED, updated_at=timezone.now()
    )
    if changed:
        after_commit(_multipart_abort, key=upload.s3_key, upload_id=upload.s3_upload_id)
    return bool(changed)


def _multipart_abort(*, key: str, upload_id: str) -> None:
    try:
        s3_client().abort_multipart_upload(Bucket=settings.VIDEO_S3_BUCKET, Key=key, UploadId=upload_id)
    except (ClientError, BotoCoreError) as error:  # already gone; the bucket's lifecycle rule is the backstop
        logger.warning("aborting the multipart upload %s of %s failed: %s", upload_id, key, error)


def uploads_s3_abandoned(*, now: dt.datetime):
    """S3 uploads still open ``VIDEO_S3_UPLOAD_EXPIRES`` seconds after they started."""
    since = now - dt.timedelta(seconds=settings.VIDEO_S3_UPLOAD_EXPIRES)
    return Upload.objects.filter(mode=Upload.Mode.S3, status=Upload.Status.OPEN, created_at__lt=since)


def uploads_s3_abandoned_abort(*, now: dt.datetime) -> int:
    """Abort S3 uploads still open ``VIDEO_S3_UPLOAD_EXPIRES`` seconds after they started (their
    part URLs no longer work); their videos, still drafts, fail with ``upload_abandoned``."""
    count = 0
    for upload in list(uploads_s3_abandoned(now=now)):
        with transaction.atomic():
            if upload_s3_abort(upload=upload):
                Video.all_objects.filter(pk=upload.video_id, status=Video.Status.DRAFT).update(
                    status=Video.Status.FAILED, error_code="upload_abandoned", updated_at=now,
                    error_message="The upload was not completed in time.",
                )  # fmt: skip
                count += 1
    return count


def source_fetch(*, video_id: Any) -> None:
    """Local backend, S3 upload: download the source to the local working file once."""
    path = source_path(video_id)
    upload = Upload.objects.filter(video_id=video_id).first()
    if path.exists() or upload is None or upload.mode != Upload.Mode.S3:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    s3_client().download_file(settings.VIDEO_S3_BUCKET, upload.s3_key, str(partial))
    shutil.move(partial, path)


def video_objects_purge(*, video_id: Any) -> int:
    """Delete every object under ``videos/<video id>/`` and abort its open multipart uploads.
    Returns how many objects were deleted."""
    client = s3_client()
    bucket, prefix = settings.VIDEO_S3_BUCKET, video_prefix(video_id)
    for upload in client.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []):
        _multipart_abort(key=upload["Key"], upload_id=upload["UploadId"])
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted
