"""Videos: creating one with its upload, receiving the file in chunks, editing, deleting, moderating."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, transaction
from django.db.models import F, Func, Sum, TextField, Value
from django.utils import timezone

from accounts.models import User
from accounts.selectors import restriction_error
from content.models import Upload, UploadPart, Video
from content.services import video_s3
from content.transcoding import MediaError, get_backend
from content.video_files import output_dir, source_path, video_dir
from core.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    UnsupportedMediaError,
)
from core.side_effects import after_commit, enqueue_task

COPY_BUFFER = 64 * 1024
EDITABLE_FIELDS = frozenset(
    {"title", "description", "tags", "visibility", "publish_at", "geo_allow", "geo_deny", "monetized",
     "midroll_offsets", "minimum_tier"}
)  # fmt: skip


def _search_vector() -> Any:
    tags = Func(F("tags"), Value(" "), function="array_to_string", output_field=TextField())
    return (
        SearchVector("title", weight="A", config="english")
        + SearchVector(tags, weight="A", config="english")
        + SearchVector("description", weight="B", config="english")
    )


def _check_rules(*, values: Mapping[str, Any], duration: float | None) -> None:
    if values.get("visibility") == Video.Visibility.SCHEDULED and not values.get("publish_at"):
        raise ApplicationError("A scheduled video needs publish_at.", code="publish_at_required")
    if values.get("geo_allow") and values.get("geo_deny"):
        raise ApplicationError("Give an allow list or a deny list of countries, not both.", code="geo_conflict")
    offsets = values.get("midroll_offsets") or []
    if duration is not None and any(offset >= duration for offset in offsets):
        raise ApplicationError("Every mid-roll offset must fall inside the video.", code="midroll_out_of_range")


def _check_limits(*, owner: User, size: int) -> None:
    if size > settings.VIDEO_MAX_UPLOAD_BYTES:
        raise PayloadTooLargeError(
            f"The file is {size} bytes; the limit is {settings.VIDEO_MAX_UPLOAD_BYTES}.",
            extra={"limit": settings.VIDEO_MAX_UPLOAD_BYTES},
        )
    uploads = Upload.objects.filter(video__owner=owner)
    total = uploads.aggregate(total=Sum("size"))["total"] or 0
    if total + size > settings.VIDEO_TOTAL_QUOTA_BYTES:
        raise PermissionDeniedError("Your storage quota is used up.", code="quota_exceeded")
    since = timezone.now() - dt.timedelta(days=1)
    daily = uploads.filter(created_at__gte=since).aggregate(total=Sum("size"))["total"] or 0
    if daily + size > settings.VIDEO_DAILY_QUOTA_BYTES:
        raise PermissionDeniedError("Your upload quota for the last 24 hours is used up.", code="daily_quota_exceeded")


def video_create(
    *,
    owner: User,
    title: str,
    size: int,
    description: str = "",
    tags: list[str] | None = None,
    visibility: str = Video.Visibility.PRIVATE,
    publish_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> tuple[Video, bool]:
    """Create a draft video and its upload of ``size`` bytes. Returns ``(video, created)``.

    In S3 upload mode the upload is an S3 multipart upload the client fills (``video_s3``).

    With an ``idempotency_key`` already used by this owner, returns that video (``created`` false)
    and checks nothing else: a retried request gets the same answer.
    """
    if idempotency_key:
        existing = Video.all_objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    restriction = restriction_error(owner)
    if restriction is not None:
        raise restriction
    values = {"visibility": visibility, "publish_at": publish_at}
    _check_rules(values=values, duration=None)
    try:
        with transaction.atomic():
            _check_limits(owner=owner, size=size)
            video = Video.objects.create(
                owner=owner,
                title=title,
                description=description,
                tags=_clean_tags(tags or []),
                visibility=visibility,
                publish_at=publish_at,
                idempotency_key=idempotency_key or "",
            )
            upload = Upload.objects.create(video=video, size=size)
            _videos_count(user_id=owner.pk, delta=1)
            if video_s3.s3_upload_mode():
                video_s3.upload_s3_start(upload=upload)
            Video.objects.filter(pk=video.pk).update(search_vector=_search_vector())
    except IntegrityError:
        # Two requests with the same key at once: the other one won.
        existing = Video.all_objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return video, True


def _videos_count(*, user_id: Any, delta: int) -> None:
    """The profile's ``videos_count`` (videos not deleted, any state), changed with ``F()``."""
    users = User.objects.filter(pk=user_id)
    if delta < 0:
        users = users.filter(videos_count__gte=-delta)
    users.update(videos_count=F("videos_count") + delta)


@transaction.atomic
def video_set_comments_enabled(*, video: Video, by: User, enabled: bool) -> Video:
    """Turn comments on ``video`` on or off; only its owner may (``not_owner``, 403)."""
    if video.owner_id != by.pk:
        raise PermissionDeniedError("Only the owner can turn comments on or off.", code="not_owner")
    Video.all_objects.filter(pk=video.pk).update(comments_enabled=enabled, updated_at=timezone.now())
    video.comments_enabled = enabled
    return video


def _clean_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = tag.strip().lower().lstrip("#")
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def upload_append(*, upload_id: Any, user: User, offset: int, length: int, stream: BinaryIO) -> Upload:
    """Append up to ``length`` bytes read from ``stream`` at ``offset``; never holds the chunk in memory.

    ``offset`` must equal the stored offset (409 ``offset_mismatch`` otherwise, with the stored one in
    ``extra``). A chunk whose connection broke never gets here (Django's ASGI handler reads the
    whole body first): the client asks for the offset and resends from there (docs/videos.md).
    When the last byte arrives, the file is probed (``video_upload_finish``).
    """
    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update()
            .select_related("video")
            .filter(pk=upload_id, video__owner=user, video__deleted_at__isnull=True)
            .first()
        )
        if upload is None:
            raise NotFoundError("No such upload.")
        if upload.mode == Upload.Mode.S3:
            raise ConflictError("This upload takes S3 parts at its part URLs.", code="s3_upload")
        if upload.status == Upload.Status.COMPLETE:
            raise ConflictError("This upload is complete.", code="upload_complete")
        if offset != upload.offset:
            raise ConflictError(
                f"The upload is at offset {upload.offset}, not {offset}.",
                code="offset_mismatch",
                extra={"offset": upload.offset},
            )
        if length > settings.VIDEO_MAX_CHUNK_BYTES or offset + length > upload.size:
            raise PayloadTooLargeError(
                f"The chunk does not fit: {upload.size - upload.offset} bytes remain, "
                f"at most {settings.VIDEO_MAX_CHUNK_BYTES} a chunk."
            )
        received = _write_chunk(video_id=upload.video_id, offset=offset, length=length, stream=stream)
        if received:
            UploadPart.objects.create(upload=upload, offset=offset, length=received)
            Upload.objects.filter(pk=upload.pk).update(offset=F("offset") + received, updated_at=timezone.now())
            if upload.video.status == Video.Status.DRAFT:
                Video.objects.filter(pk=upload.video_id).update(status=Video.Status.UPLOADING)
        upload.refresh_from_db()
    if upload.offset == upload.size:
        video_upload_finish(video_id=upload.video_id)
        upload.refresh_from_db()
    return upload


def _write_chunk(*, video_id: Any, offset: int, length: int, stream: BinaryIO) -> int:
    path = source_path(video_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    received = 0
    with open(path, "ab") as file:
        # Bytes past the stored offset come from a request whose transaction never committed.
        file.truncate(offset)
        file.seek(offset)
        while received < length:
            block = stream.read(min(COPY_BUFFER, length - received))
            if not block:
                break
            file.write(block)
            received += len(block)
        file.flush()
    return received


def video_upload_finish(*, video_id: Any) -> Video:
    """``uploading → uploaded`` when the file probes as a video, and start processing;
    ``uploading → failed`` with 415 ``unsupported_media`` when it does not.

    The file is the local source, or in S3 mode the object (ffmpeg reads a presigned GET)."""
    upload = Upload.objects.get(video_id=video_id)
    in_s3 = upload.mode == Upload.Mode.S3
    source = video_s3.source_url(upload=upload) if in_s3 else source_path(video_id)
    try:
        probe = get_backend().probe(source=source)
    except MediaError as error:
        probe, failure = None, error
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if video.status != Video.Status.UPLOADING:
            return video
        Upload.objects.filter(video=video).update(status=Upload.Status.COMPLETE, completed_at=timezone.now())
        if probe is None:
            video.status = Video.Status.FAILED
            video.error_code = failure.code
            video.error_message = str(failure)
            video.save(update_fields=["status", "error_code", "error_message", "updated_at"])
        else:
            video.status = Video.Status.UPLOADED
            video.duration, video.width, video.height = probe.duration, probe.width, probe.height
            video.fps, video.video_codec, video.audio_codec = probe.fps, probe.video_codec, probe.audio_codec
            video.source_size = upload.size if in_s3 else source_path(video_id).stat().st_size
            video.source_name = "source"
            video.save()
            from content.video_tasks import video_process_task

            enqueue_task(video_process_task, str(video.pk))
    if probe is None:
        if in_s3:
            video_s3.source_delete(upload=upload)
        else:
            source_path(video_id).unlink(missing_ok=True)
        raise UnsupportedMediaError("The file is not a video that can be read.", code="unsupported_media")
    return video


def video_update(*, video: Video, by: User, changes: Mapping[str, Any]) -> Video:
    """Change a video's metadata, visibility, schedule, geo rules or monetization (owner only)."""
    if video.owner_id != by.pk:
        raise PermissionDeniedError("Only the owner can edit this video.")
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(f"Not editable: {', '.join(sorted(unknown))}.", code="not_editable")
    merged = {field: getattr(video, field) for field in EDITABLE_FIELDS} | dict(changes)
    if "geo_allow" in changes and changes["geo_allow"] and "geo_deny" not in changes:
        merged["geo_deny"] = []
    if "geo_deny" in changes and changes["geo_deny"] and "geo_allow" not in changes:
        merged["geo_allow"] = []
    _check_rules(values=merged, duration=video.duration)
    with transaction.atomic():
        for field, value in merged.items():
            setattr(video, field, _clean_tags(value) if field == "tags" else value)
        if video.visibility != Video.Visibility.SCHEDULED and "visibility" in changes and "publish_at" not in changes:
            video.publish_at = None
        video.save()
        Video.objects.filter(pk=video.pk).update(search_vector=_search_vector())
    return video


def video_delete(*, video: Video, by: User, remove_files: bool = False) -> None:
    """Soft-delete a video (owner only); playback stops at once. An open S3 upload is aborted.
    Its files stay until purged, unless ``remove_files`` (the studio's delete): then its source,
    renditions, poster and sprite are removed after commit (``video_files_purge``)."""
    if video.owner_id != by.pk:
        raise PermissionDeniedError("Only the owner can delete this video.")
    with transaction.atomic():
        if video.deleted_at is None:
            _videos_count(user_id=video.owner_id, delta=-1)
        video.soft_delete()
        upload = Upload.objects.filter(video=video).first()
        if upload is not None:
            video_s3.upload_s3_abort(upload=upload)
        if remove_files:
            after_commit(video_files_purge, video_id=video.pk)


def video_sprite_frames(*, video: Video) -> int:
    """How many thumbnails the video's scrubbing sprite holds (0 without a sprite)."""
    if not video.sprite or not video.sprite_interval or not video.duration:
        return 0
    return max(1, math.ceil(video.duration / video.sprite_interval))


def video_poster_choose(*, video: Video, by: User, frame: int) -> Video:
    """Make the poster from the moment of sprite thumbnail ``frame`` (owner only), at full size
    from the source. ``invalid_frame`` (400) outside the sprite; ``poster_unavailable`` (409)
    when the video has no sprite or its source is no longer on this machine."""
    if video.owner_id != by.pk:
        raise PermissionDeniedError("Only the owner can change this video's poster.")
    frames = video_sprite_frames(video=video)
    if frames == 0:
        raise ConflictError("This video has no thumbnails to choose from yet.", code="poster_unavailable")
    if not 0 <= frame < frames:
        raise ApplicationError("Choose one of the thumbnails.", code="invalid_frame")
    source = source_path(video.pk)
    backend = get_backend()
    if not source.exists() or not hasattr(backend, "poster"):
        raise ConflictError("The poster cannot be changed: the original file is not here.", code="poster_unavailable")
    try:
        name = backend.poster(
            source=source, out_dir=output_dir(video.pk), duration=video.duration or 0,
            at=frame * video.sprite_interval,
        )  # fmt: skip
    except MediaError as error:
        raise ConflictError(str(error), code="poster_failed") from None
    Video.objects.filter(pk=video.pk).update(poster=name, updated_at=timezone.now())
    video.refresh_from_db()
    return video


def video_moderate(*, video: Video, moderator: User, status: str, reason: str) -> Video:
    """Set the moderation status (visible, limited, removed) with a reason, by a moderator."""
    if status not in Video.Moderation.values:
        raise ApplicationError("Unknown moderation status.", code="invalid_moderation_status")
    if status != Video.Moderation.VISIBLE and not reason.strip():
        raise ApplicationError("Give a reason.", code="reason_required")
    with transaction.atomic():
        video.moderation_status = status
        video.moderation_reason = reason.strip()
        video.moderated_by = moderator
        video.moderated_at = timezone.now()
        video.save(
            update_fields=["moderation_status", "moderation_reason", "moderated_by", "moderated_at", "updated_at"]
        )
    return video


@transaction.atomic
def video_mark_sensitive(*, video: Video, sensitive: bool, by: User) -> Video:
    """A moderator marks a video sensitive (or not). Needs ``content.moderate_videos``."""
    if not by.has_perm("content.moderate_videos"):
        raise PermissionDeniedError("Only moderators can moderate videos.")
    Video.all_objects.filter(pk=video.pk).update(sensitive=sensitive, updated_at=timezone.now())
    video.sensitive = sensitive
    return video


def video_files_purge(*, video_id: Any) -> None:
    """Remove a video's local files, and its objects in the video bucket when S3 is in use
    (S3 uploads or MediaConvert), aborting an open multipart upload (after a hard delete)."""
    import shutil

    shutil.rmtree(video_dir(video_id), ignore_errors=True)
    if settings.VIDEO_S3_BUCKET and (video_s3.s3_upload_mode() or settings.VIDEO_BACKEND == "mediaconvert"):
        video_s3.video_objects_purge(video_id=video_id)


@transaction.atomic
def videos_purge_of_owner(*, user: User) -> int:
    """Delete for good every video ``user`` uploaded, with its renditions, uploads and stats,
    and its files after commit. For the account purge (content/deletion.py). Returns the count."""
    videos = Video.all_objects.filter(owner=user)
    ids = list(videos.values_list("pk", flat=True))
    videos.hard_delete()
    for video_id in ids:
        after_commit(video_files_purge, video_id=video_id)
    return len(ids)
