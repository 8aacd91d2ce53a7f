"""The processing pipeline: renditions as jobs, their retries, and the reconciler.

Every function takes ids and can run twice with the effect of running once: a job is claimed
under a row lock (``pending → running``) before any work, and only a claimed job writes files.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from content.models import Rendition, Video
from content.services import video_s3
from content.transcoding import LADDER, MediaError, get_backend, ladder_for
from content.transcoding.local import master_playlist
from content.video_files import output_dir, source_path
from core.errors import ConflictError, NotFoundError, PermissionDeniedError
from core.side_effects import enqueue_task

logger = logging.getLogger(__name__)

PROGRESS_WRITE_INTERVAL = 1.0  # seconds between two progress writes of one job


def _enqueue_rendition(rendition_id: Any) -> None:
    from content.video_tasks import rendition_transcode_task

    enqueue_task(rendition_transcode_task, str(rendition_id))


def video_processing_start(*, video_id: Any) -> list[Any]:
    """``uploaded → processing`` (or a failed video again): one pending job per rung, then the
    poster and sprite, then each pending job enqueued. Returns the rendition ids enqueued.

    A video already processing (this task sent again: its worker died after the transition) gets
    its images made again and its pending jobs enqueued; with MediaConvert it is left to the reconciler.
    """
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None or not video.height:
            return []
        if video.status == Video.Status.PROCESSING:
            if get_backend().name == "mediaconvert":
                return []
        elif video.status in {Video.Status.UPLOADED, Video.Status.FAILED}:
            _processing_begin(video=video)
        else:
            return []
    if get_backend().name == "mediaconvert":
        from content.services.video_mediaconvert import mediaconvert_job_start

        return mediaconvert_job_start(video_id=video_id)
    try:
        video_s3.source_fetch(video_id=video_id)
        video_images_make(video_id=video_id)
    except MediaError as error:
        _video_fail(video_id=video_id, code=error.code, message=str(error))
        return []
    pending = list(
        Rendition.objects.filter(video_id=video_id, status=Rendition.Status.PENDING).values_list("pk", flat=True)
    )
    for rendition_id in pending:
        _enqueue_rendition(rendition_id)
    return pending


def _processing_begin(*, video: Video) -> None:
    """``uploaded|failed → processing`` (the video row locked): one pending job per rung, failed jobs pending again."""
    video.status = Video.Status.PROCESSING
    video.error_code = video.error_message = ""
    video.save(update_fields=["status", "error_code", "error_message", "updated_at"])
    Rendition.objects.bulk_create(
        [
            Rendition(
                video=video,
                name=rung.name,
                width=width,
                height=height,
                video_bitrate=rung.video_bitrate,
                audio_bitrate=rung.audio_bitrate,
            )
            for rung, width, height in ladder_for(width=video.width, height=video.height)
        ],
        ignore_conflicts=True,
    )
    Rendition.objects.filter(video=video, status=Rendition.Status.FAILED).update(
        status=Rendition.Status.PENDING, progress=0, error_code="", error_message=""
    )


def video_images_make(*, video_id: Any) -> Video:
    """Write the poster and the scrubbing sprite (overwriting earlier ones)."""
    video = Video.objects.get(pk=video_id)
    backend = get_backend()
    out = output_dir(video_id)
    poster = backend.poster(source=source_path(video_id), out_dir=out, duration=video.duration or 0)
    sprite, columns, interval = backend.sprite(source=source_path(video_id), out_dir=out, duration=video.duration or 0)
    Video.objects.filter(pk=video_id).update(
        poster=poster, sprite=sprite, sprite_columns=columns, sprite_interval=interval, updated_at=timezone.now()
    )
    return video


def _video_fail(*, video_id: Any, code: str, message: str) -> None:
    Video.objects.filter(pk=video_id, status=Video.Status.PROCESSING).update(
        status=Video.Status.FAILED, error_code=code, error_message=message[:2000], updated_at=timezone.now()
    )


def rendition_run(*, rendition_id: Any) -> Rendition | None:
    """Claim the job (``pending → running``), transcode, then ``ready`` or ``failed``.

    A ``running`` job whose heartbeat is older than ``VIDEO_JOB_STALE_SECONDS`` is claimed again:
    its worker died (the task outbox sends the task again when it does).
    Returns None when the job was not pending (already done, or claimed by another worker).
    """
    with transaction.atomic():
        stale = timezone.now() - dt.timedelta(seconds=settings.VIDEO_JOB_STALE_SECONDS)
        rendition = (
            Rendition.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("video")
            .filter(pk=rendition_id)
            .filter(Q(status=Rendition.Status.PENDING) | Q(status=Rendition.Status.RUNNING, heartbeat_at__lt=stale))
            .first()
        )
        if rendition is None:
            return None
        now = timezone.now()
        rendition.status = Rendition.Status.RUNNING
        rendition.attempts += 1
        rendition.progress = 0
        rendition.started_at = rendition.heartbeat_at = now
        rendition.error_code = rendition.error_message = ""
        rendition.save()
    video = rendition.video
    last_write = [0.0]

    def on_progress(percent: int) -> None:
        if time.monotonic() - last_write[0] >= PROGRESS_WRITE_INTERVAL:
            last_write[0] = time.monotonic()
            Rendition.objects.filter(pk=rendition.pk, status=Rendition.Status.RUNNING).update(
                progress=percent, heartbeat_at=timezone.now()
            )

    rung = next(r for r in LADDER if r.name == rendition.name)
    try:
        video_s3.source_fetch(video_id=video.pk)
        playlist = get_backend().transcode(
            source=source_path(video.pk), out_dir=output_dir(video.pk), rung=rung,
            width=rendition.width, height=rendition.height, duration=video.duration or 0, on_progress=on_progress,
        )  # fmt: skip
    except MediaError as error:
        logger.warning("rendition %s of video %s failed: %s", rendition.name, video.pk, error)
        Rendition.objects.filter(pk=rendition.pk, status=Rendition.Status.RUNNING).update(
            status=Rendition.Status.FAILED, error_code=error.code, error_message=str(error)[:2000],
            finished_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
    else:
        Rendition.objects.filter(pk=rendition.pk, status=Rendition.Status.RUNNING).update(
            status=Rendition.Status.READY, progress=100, playlist=playlist,
            finished_at=timezone.now(), heartbeat_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
    video_processing_settle(video_id=video.pk)
    rendition.refresh_from_db()
    return rendition


def video_processing_settle(*, video_id: Any) -> Video | None:
    """Rewrite the master playlist from the ready renditions, then ``processing → ready`` when all
    are ready, or ``processing → failed`` when none is left to run and one failed."""
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None:
            return None
        renditions = list(Rendition.objects.filter(video=video))
        ready = [r for r in renditions if r.status == Rendition.Status.READY]
        remote = any(r.external_job_id for r in renditions)
        if ready and not remote:
            _write_master(video=video, ready=ready)
        if video.status != Video.Status.PROCESSING:
            return video
        statuses = {r.status for r in renditions}
        if statuses == {Rendition.Status.READY}:
            video.status = Video.Status.READY
        elif statuses <= {Rendition.Status.READY, Rendition.Status.FAILED}:
            failed = [r for r in renditions if r.status == Rendition.Status.FAILED]
            video.status = Video.Status.FAILED
            video.error_code = "rendition_failed"
            video.error_message = "; ".join(f"{r.name}: {r.error_message[:200]}" for r in failed)
        if not remote:
            video.master_playlist = "master.m3u8" if ready else ""
        video.save(update_fields=["status", "error_code", "error_message", "master_playlist", "updated_at"])
    return video


def _write_master(*, video: Video, ready: list[Rendition]) -> None:
    variants = [
        (r.playlist, r.width, r.height, (r.video_bitrate + r.audio_bitrate) * 1000)
        for r in sorted(ready, key=lambda r: r.height)
    ]
    path = output_dir(video.pk) / "master.m3u8"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(master_playlist(variants=variants))
    tmp.replace(path)


def rendition_retry(*, video: Video, name: str, by: User | None) -> Rendition:
    """``failed → pending`` for one rendition (the video goes back to processing), then enqueue it.

    ``by`` is the owner (API) or None (operators: admin, ``manage.py video_reprocess``).
    """
    if by is not None and video.owner_id != by.pk:
        raise PermissionDeniedError("Only the owner can retry this video's renditions.")
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        rendition = Rendition.objects.select_for_update().filter(video=locked, name=name).first()
        if rendition is None:
            raise NotFoundError("No such rendition.")
        if rendition.status != Rendition.Status.FAILED:
            raise ConflictError(f"The {name} rendition is {rendition.status}, not failed.", code="rendition_not_failed")
        rendition.status = Rendition.Status.PENDING
        rendition.progress = 0
        rendition.error_code = rendition.error_message = ""
        rendition.save(update_fields=["status", "progress", "error_code", "error_message", "updated_at"])
        if locked.status == Video.Status.FAILED:
            locked.status = Video.Status.PROCESSING
            locked.error_code = locked.error_message = ""
            locked.save(update_fields=["status", "error_code", "error_message", "updated_at"])
        _enqueue_rendition(rendition.pk)
    rendition.refresh_from_db()
    return rendition


def video_jobs_reconcile(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Retry jobs a worker lost: ``running`` with a heartbeat older than the deadline goes back to
    ``pending`` (or ``failed`` with ``worker_lost`` after the last attempt); ``pending`` jobs not
    touched within the deadline are enqueued again; MediaConvert jobs whose events are late are
    polled (``GetJob``); S3 uploads left open past ``VIDEO_S3_UPLOAD_EXPIRES`` are aborted.
    Returns how many of each; with ``dry_run``, how many it would, changing and sending nothing."""
    now = now or timezone.now()
    deadline = now - dt.timedelta(seconds=settings.VIDEO_JOB_DEADLINE_SECONDS)
    counts = {"retried": 0, "failed": 0, "requeued": 0, "polled": 0, "aborted": 0}
    stuck = Rendition.objects.filter(status=Rendition.Status.RUNNING).filter(
        Q(heartbeat_at__lt=deadline) | Q(heartbeat_at__isnull=True)
    )
    stale = Rendition.objects.filter(
        status=Rendition.Status.PENDING, updated_at__lt=deadline, video__status=Video.Status.PROCESSING
    )
    if dry_run:
        local = stuck.filter(external_job_id="")
        last = Q(attempts__gte=settings.VIDEO_JOB_MAX_ATTEMPTS)
        return {
            "retried": local.exclude(last).count(),
            "failed": local.filter(last).count(),
            "requeued": stale.count(),
            "polled": stuck.exclude(external_job_id="").values("external_job_id").distinct().count(),
            "aborted": video_s3.uploads_s3_abandoned(now=now).count(),
        }
    counts["aborted"] = video_s3.uploads_s3_abandoned_abort(now=now)
    for job_id in sorted(set(stuck.exclude(external_job_id="").values_list("external_job_id", flat=True))):
        from content.services.video_mediaconvert import mediaconvert_job_poll

        mediaconvert_job_poll(job_id=job_id)
        counts["polled"] += 1
    for rendition_id in list(stuck.filter(external_job_id="").values_list("pk", flat=True)):
        with transaction.atomic():
            rendition = stuck.select_for_update(skip_locked=True).filter(pk=rendition_id).first()
            if rendition is None:
                continue
            if rendition.attempts >= settings.VIDEO_JOB_MAX_ATTEMPTS:
                rendition.status = Rendition.Status.FAILED
                rendition.error_code = "worker_lost"
                rendition.error_message = (
                    f"No progress for {settings.VIDEO_JOB_DEADLINE_SECONDS} s, {rendition.attempts} attempts."
                )
                rendition.finished_at = now
                rendition.save()
                counts["failed"] += 1
                transaction.on_commit(lambda v=rendition.video_id: video_processing_settle(video_id=v))
            else:
                rendition.status = Rendition.Status.PENDING
                rendition.progress = 0
                rendition.save(update_fields=["status", "progress", "updated_at"])
                counts["retried"] += 1
                _enqueue_rendition(rendition.pk)
    for rendition_id in list(stale.values_list("pk", flat=True)):
        counts["requeued"] += 1
        _enqueue_rendition(rendition_id)
    return counts


def video_reprocess_plan(*, video_id: Any, everything: bool = False) -> list[str]:
    """What ``video_reprocess`` would send to work, changing nothing: the failed renditions'
    names, or (``everything``) every rendition the video has now (the pipeline makes them again)."""
    video = Video.all_objects.filter(pk=video_id).first()
    if video is None:
        raise NotFoundError("No such video.")
    renditions = Rendition.objects.filter(video=video).order_by("name")
    if not everything:
        renditions = renditions.filter(status=Rendition.Status.FAILED)
    return list(renditions.values_list("name", flat=True))


def video_reprocess(*, video_id: Any, everything: bool = False) -> list[str]:
    """Operators: retry the failed renditions, or (``everything``) redo the whole pipeline.
    Returns the names of the renditions sent to work."""
    video = Video.all_objects.filter(pk=video_id).first()
    if video is None:
        raise NotFoundError("No such video.")
    if everything:
        with transaction.atomic():
            Rendition.objects.filter(video=video).exclude(status=Rendition.Status.RUNNING).update(
                status=Rendition.Status.FAILED
            )
            Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED)
        ids = video_processing_start(video_id=video.pk)
        return list(Rendition.objects.filter(pk__in=ids).values_list("name", flat=True))
    names = list(Rendition.objects.filter(video=video, status=Rendition.Status.FAILED).values_list("name", flat=True))
    for name in names:
        rendition_retry(video=video, name=name, by=None)
    return names
