"""Celery tasks of streaming: they take ids and call one service. Registered by Celery's autodiscovery."""

from __future__ import annotations

from celery import shared_task

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)


@shared_task(name="streaming.stream_live_fanout")
def stream_live_fanout_task(stream_id: str, after: str | None = None) -> str | None:
    """One batch of the go-live notifications; queues the next batch until the audience is done."""
    from streaming.services.streams import stream_live_fanout_batch

    cursor = stream_live_fanout_batch(stream_id=stream_id, after=after)
    if cursor is not None:
        stream_live_fanout_task.delay(stream_id, cursor)
    return cursor


@shared_task(name="streaming.stream_reminders_send")
def stream_reminders_send_task() -> int:
    from streaming.services.streams import stream_reminders_send

    return stream_reminders_send()


@shared_task(name="streaming.streams_reconcile")
def streams_reconcile_task() -> dict[str, int]:
    from streaming.services.reconcile import streams_reconcile

    return streams_reconcile()


@shared_task(name="streaming.stream_recording_build", acks_late=True)
def stream_recording_build_task(stream_id: str) -> str | None:
    from streaming.services.recording import stream_recording_build

    video = stream_recording_build(stream_id=stream_id)
    return str(video.pk) if video else None


@shared_task(name="streaming.stream_files_cleanup")
def stream_files_cleanup_task() -> int:
    """Remove the local ingest's files of streams that are over; returns how many directories went."""
    from streaming.services.local_files import stream_files_cleanup

    return len(stream_files_cleanup().removed)
