"""Selectors for the state of background work: heartbeats, the outbox, queues, periodic jobs.

Read by ``/healthz`` (core.health) and ``manage.py tasks_status``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from core.models import OutboxTask, PeriodicJob, WorkerHeartbeat


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round(max(0.0, (now - moment).total_seconds()), 1)


def background_summary(*, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per kind (``worker``, ``beat``): the age of the newest heartbeat and how many processes are
    alive; for workers also the outbox's waiting, running and failed tasks and the oldest wait."""
    now = now or timezone.now()
    alive_since = now - timedelta(seconds=settings.TASKS_WORKER_LOST_SECONDS)
    beats = {
        row["kind"]: row
        for row in WorkerHeartbeat.objects.values("kind").annotate(
            last=Max("seen_at"), alive=Count("id", filter=Q(seen_at__gte=alive_since))
        )
    }
    tasks = OutboxTask.objects.aggregate(
        waiting=Count("id", filter=Q(status=OutboxTask.Status.QUEUED)),
        running=Count("id", filter=Q(status=OutboxTask.Status.RUNNING)),
        failed=Count("id", filter=Q(status=OutboxTask.Status.FAILED)),
        oldest=Min("created_at", filter=Q(status=OutboxTask.Status.QUEUED)),
    )
    summary = {
        kind: {
            "last_heartbeat_age_seconds": _age(beats.get(kind, {}).get("last"), now),
            "alive": beats.get(kind, {}).get("alive", 0),
        }
        for kind in (WorkerHeartbeat.Kind.WORKER, WorkerHeartbeat.Kind.BEAT)
    }
    summary["worker"] |= {
        "waiting_tasks": tasks["waiting"],
        "oldest_waiting_seconds": _age(tasks["oldest"], now),
        "running_tasks": tasks["running"],
        "failed_tasks": tasks["failed"],
    }
    return summary


def queue_sizes() -> dict[str, int | None]:
    """Messages waiting in each of Celery's queues on the broker (None: the broker did not answer)."""
    from config.celery import app

    names = [app.conf.task_default_queue] + [q.name for q in (app.conf.task_queues or []) if q.name]
    sizes: dict[str, int | None] = {}
    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL or None) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            channel = connection.default_channel
            for name in dict.fromkeys(names):
                try:
                    sizes[name] = channel.queue_declare(queue=name, passive=True).message_count
                except Exception:  # noqa: BLE001 - a queue never declared has no messages
                    sizes[name] = 0
    except Exception:  # noqa: BLE001 - the broker is down: say so, do not fail
        return dict.fromkeys(names)
    return sizes


def failed_tasks(*, limit: int = 20) -> list[OutboxTask]:
    return list(OutboxTask.objects.filter(status=OutboxTask.Status.FAILED).order_by("-updated_at")[:limit])


def periodic_jobs() -> list[dict[str, Any]]:
    """Each job of ``CELERY_BEAT_SCHEDULE`` with its schedule and its last run (if any)."""
    runs = {job.name: job for job in PeriodicJob.objects.all()}
    rows = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        job = runs.get(name)
        schedule = entry["schedule"]
        rows.append(
            {
                "name": name,
                "task": entry["task"],
                "schedule": f"every {schedule:g} s" if isinstance(schedule, int | float) else str(schedule),
                "last_sent_at": job.last_sent_at if job and job.last_task_id else None,
                "last_finished_at": job.last_finished_at if job else None,
                "last_status": job.last_status if job else "",
            }
        )
    return rows


def outbox_task_state(*, task: str, args: list) -> str:
    """One line on the outbox task ``task(*args)``: waiting (for how long), running (attempt n),
    failed, or done (no row: finished, or never sent through the outbox)."""
    row = OutboxTask.objects.filter(task=task, args=args).order_by("-created_at").first()
    if row is None:
        return "done"
    now = timezone.now()
    if row.status == OutboxTask.Status.QUEUED:
        return f"waiting for a worker ({(now - row.created_at).total_seconds():.0f} s)"
    if row.status == OutboxTask.Status.RUNNING:
        since = (now - row.started_at).total_seconds() if row.started_at else 0
        return f"running, attempt {row.attempts} ({since:.0f} s)"
    return f"failed after {row.attempts} attempts"
