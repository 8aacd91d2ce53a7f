"""Celery tasks of the video pipeline and analytics: they take ids and call one service.

Registered by Celery's autodiscovery (``config.celery``), so a worker has them.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)


@shared_task(name="content.video_process")
def video_process_task(video_id: str) -> int:
    from content.services.video_pipeline import video_processing_start

    return len(video_processing_start(video_id=video_id))


@shared_task(name="content.rendition_transcode", acks_late=True)
def rendition_transcode_task(rendition_id: str) -> str | None:
    from content.services.video_pipeline import rendition_run

    rendition = rendition_run(rendition_id=rendition_id)
    return rendition.status if rendition else None


@shared_task(name="content.video_jobs_reconcile")
def video_jobs_reconcile_task() -> dict[str, int]:
    from content.services.video_pipeline import video_jobs_reconcile

    return video_jobs_reconcile()


@shared_task(name="content.video_stats_rollup")
def video_stats_rollup_task(day: str | None = None) -> int:
    """Roll up ``day`` (ISO date), or today and yesterday (late heartbeats land in both)."""
    from content.services.video_views import video_stats_rollup

    if day:
        return video_stats_rollup(day=dt.date.fromisoformat(day))
    today = timezone.now().date()
    return video_stats_rollup(day=today - dt.timedelta(days=1)) + video_stats_rollup(day=today)
