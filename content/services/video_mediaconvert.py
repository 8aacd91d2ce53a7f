"""MediaConvert jobs: starting one per video, EventBridge notifications, polling late jobs.

Job status → renditions: ``PROGRESSING``/``STATUS_UPDATE`` move progress and the heartbeat,
``COMPLETE`` makes every rendition of the job ready, ``ERROR``/``CANCELED`` fail them; then
``video_processing_settle`` moves the video as for the local backend.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from content.models import Rendition, Upload, Video, VideoJobEvent
from content.services.video_pipeline import video_processing_settle
from content.transcoding import get_backend
from content.transcoding.mediaconvert import DASH_MANIFEST, HLS_MASTER
from core.errors import ApplicationError
from core.eventbridge import events_token_check

logger = logging.getLogger(__name__)

EVENT_SOURCE = "aws.mediaconvert"
EVENT_DETAIL_TYPE = "MediaConvert Job State Change"


def mediaconvert_job_start(*, video_id: Any) -> list[Any]:
    """Copy the source to S3 and submit one job for every pending rendition; the renditions become
    ``running`` with the job's id. A refused request fails the video (``mediaconvert_error``)."""
    renditions = list(Rendition.objects.filter(video_id=video_id, status=Rendition.Status.PENDING).order_by("height"))
    if not renditions:
        return []
    backend = get_backend()
    in_s3 = Upload.objects.filter(video_id=video_id, mode=Upload.Mode.S3).exists()
    try:
        if not in_s3:  # an S3 upload is already at the key the job reads
            backend.source_upload(video_id=video_id)
        job_id = backend.job_submit(video_id=video_id, renditions=renditions)
    except (ClientError, BotoCoreError) as error:
        logger.warning("MediaConvert refused the job of video %s: %s", video_id, error)
        now = timezone.now()
        Rendition.objects.filter(pk__in=[r.pk for r in renditions]).update(
            status=Rendition.Status.FAILED, error_code="mediaconvert_error", error_message=str(error)[:2000],
            finished_at=now, updated_at=now,
        )  # fmt: skip
        video_processing_settle(video_id=video_id)
        return []
    now = timezone.now()
    ids = [r.pk for r in renditions]
    Rendition.objects.filter(pk__in=ids, status=Rendition.Status.PENDING).update(
        status=Rendition.Status.RUNNING, external_job_id=job_id, started_at=now, heartbeat_at=now, updated_at=now,
    )  # fmt: skip
    for rendition in renditions:
        Rendition.objects.filter(pk=rendition.pk).update(attempts=rendition.attempts + 1)
    return ids


def _apply_status(*, job_id: str, status: str, percent: int | None, error_code: str, error_message: str) -> None:
    running = Rendition.objects.filter(external_job_id=job_id, status=Rendition.Status.RUNNING)
    video_ids = set(running.values_list("video_id", flat=True))
    now = timezone.now()
    if status in {"PROGRESSING", "STATUS_UPDATE", "SUBMITTED"}:
        running.update(heartbeat_at=now, progress=min(99, percent or 0), updated_at=now)
        return
    if status == "COMPLETE":
        for rendition in running:
            Rendition.objects.filter(pk=rendition.pk).update(
                status=Rendition.Status.READY, progress=100, playlist=f"hls/source_{rendition.name}.m3u8",
                finished_at=now, heartbeat_at=now, updated_at=now,
            )  # fmt: skip
        Video.objects.filter(pk__in=video_ids).update(
            master_playlist=HLS_MASTER, dash_manifest=DASH_MANIFEST, output_storage=Video.Storage.S3
        )
    elif status in {"ERROR", "CANCELED"}:
        running.update(
            status=Rendition.Status.FAILED, error_code=error_code or "mediaconvert_canceled",
            error_message=error_message[:2000], finished_at=now, updated_at=now,
        )  # fmt: skip
    else:
        return
    for video_id in video_ids:
        video_processing_settle(video_id=video_id)


def mediaconvert_event_handle(*, event: dict[str, Any], token: str) -> str:
    """Handle one EventBridge event. Returns ``processed``, ``duplicate`` or ``ignored``.

    Refuses a missing or wrong token (403 ``invalid_token``) and anything that is not a
    MediaConvert job state change (400 ``unsupported_event``). An event id seen before does nothing.
    """
    events_token_check(token=token, expected=settings.MEDIACONVERT_EVENTS_TOKEN)
    detail = event.get("detail")
    if (
        event.get("source") != EVENT_SOURCE
        or event.get("detail-type") != EVENT_DETAIL_TYPE
        or not isinstance(detail, dict)
    ):
        raise ApplicationError("Not a MediaConvert job state change.", code="unsupported_event")
    event_id, job_id, status = str(event.get("id", "")), str(detail.get("jobId", "")), str(detail.get("status", ""))
    if not event_id or not job_id or not status:
        raise ApplicationError("The event has no id, job id or status.", code="unsupported_event")
    with transaction.atomic():
        try:
            with transaction.atomic():
                VideoJobEvent.objects.create(event_id=event_id, job_id=job_id, status=status, payload=event)
        except IntegrityError:
            return "duplicate"
        if not Rendition.objects.filter(external_job_id=job_id).exists():
            return "ignored"
        error_code = f"mediaconvert_{detail['errorCode']}" if detail.get("errorCode") else ""
        _apply_status(
            job_id=job_id, status=status, percent=(detail.get("jobProgress") or {}).get("jobPercentComplete"),
            error_code=error_code, error_message=str(detail.get("errorMessage", "")),
        )  # fmt: skip
    return "processed"


def mediaconvert_job_poll(*, job_id: str) -> str:
    """Ask MediaConvert where a job is (the reconciler, when events are late); returns its status."""
    job = get_backend().job_get(job_id=job_id)
    status = job["Status"]
    error_code = f"mediaconvert_{job['ErrorCode']}" if job.get("ErrorCode") else ""
    with transaction.atomic():
        _apply_status(
            job_id=job_id, status=status, percent=job.get("JobPercentComplete"),
            error_code=error_code, error_message=job.get("ErrorMessage", ""),
        )  # fmt: skip
    return status
