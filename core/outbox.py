"""The task outbox: nothing is lost between a commit and its task.

``core.side_effects.enqueue_task`` writes an :class:`~core.models.OutboxTask` row in the same
transaction as the data the task is about, and publishes the task after commit with the row's id as
the Celery task id. Workers mark the row ``running`` when the task starts and delete it when it
finishes. ``tasks_recover`` (beat, every 15 s, and once when a worker starts) sends again:

- a task whose publish failed (the broker was unreachable at commit);
- a task published ``TASKS_REDELIVER_AFTER_SECONDS`` ago and never started (its message was lost);
- a task ``running`` on a worker whose heartbeat stopped ``TASKS_WORKER_LOST_SECONDS`` ago
  (the worker was killed mid-task).

Tasks are idempotent (STYLE.md rule 7), so a task sent twice has the effect of running once.
In the test suite tasks run eagerly at commit and skip the outbox.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxTask, PeriodicJob, WorkerHeartbeat

logger = logging.getLogger(__name__)

# Seconds a committed task may stay unpublished before the recoverer publishes it (its own
# after-commit publish is normally done well within this).
PUBLISH_GRACE_SECONDS = 5
# The message header that marks a task sent from the outbox (others skip the outbox's bookkeeping).
OUTBOX_HEADER = "fanfare_outbox"
# The boot id of this worker process (set when a worker starts; inherited by prefork children).
WORKER_BOOT: uuid.UUID | None = None
_heartbeat_stop = threading.Event()


# --- Enqueueing (the web process, or any process that runs a service) ---------------------------


def enqueue(*, task: Any, args: tuple, kwargs: dict) -> OutboxTask:
    """Write the outbox row now (inside the caller's transaction) and publish it after commit."""
    from core.side_effects import after_commit

    row = OutboxTask.objects.create(task=task.name, args=list(args), kwargs=dict(kwargs))
    after_commit(publish, outbox_id=row.pk, name=row.task, args=row.args, kwargs=row.kwargs)
    return row


def publish(*, outbox_id: Any, name: str, args: list, kwargs: dict) -> bool:
    """Send the task to the broker; False (logged) when the broker did not take it: the
    recoverer sends it again later."""
    from config.celery import app

    try:
        app.send_task(
            name, args=args, kwargs=kwargs, task_id=str(outbox_id), headers={OUTBOX_HEADER: True},
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        )  # fmt: skip
    except Exception as error:  # noqa: BLE001 - any broker failure: the recoverer publishes it later
        logger.warning("task %s (%s) not published, will retry: %s", outbox_id, name, type(error).__name__)
        return False
    OutboxTask.objects.filter(pk=outbox_id, status=OutboxTask.Status.QUEUED).update(
        published_at=timezone.now(), updated_at=timezone.now()
    )
    return True


# --- Recovering ----------------------------------------------------------------------------------


def tasks_recover(*, now: Any = None) -> dict[str, int]:
    """Send again the tasks that were never published, lost, or orphaned by a dead worker; leave
    failed those sent ``TASKS_MAX_ATTEMPTS`` times. Returns how many of each."""
    now = now or timezone.now()
    counts = {"published": 0, "redelivered": 0, "orphaned": 0, "failed": 0}
    alive = WorkerHeartbeat.objects.filter(
        kind=WorkerHeartbeat.Kind.WORKER, seen_at__gte=now - timedelta(seconds=settings.TASKS_WORKER_LOST_SECONDS)
    ).values("boot")
    queued = OutboxTask.objects.filter(status=OutboxTask.Status.QUEUED)
    groups = {
        "published": queued.filter(
            published_at__isnull=True, updated_at__lt=now - timedelta(seconds=PUBLISH_GRACE_SECONDS)
        ),
        "redelivered": queued.filter(published_at__lt=now - timedelta(seconds=settings.TASKS_REDELIVER_AFTER_SECONDS)),
        "orphaned": OutboxTask.objects.filter(status=OutboxTask.Status.RUNNING).exclude(worker__in=alive),
    }
    for kind, rows in groups.items():
        for outbox_id in list(rows.order_by("created_at").values_list("pk", flat=True)[:1000]):
            with transaction.atomic():
                row = rows.select_for_update(skip_locked=True).filter(pk=outbox_id).first()
                if row is None:
                    continue
                if row.attempts >= settings.TASKS_MAX_ATTEMPTS:
                    row.status = OutboxTask.Status.FAILED
                    row.error = f"Sent {row.attempts} times without finishing (last worker lost)."
                    row.save(update_fields=["status", "error", "updated_at"])
                    counts["failed"] += 1
                    continue
                if kind == "orphaned":
                    logger.warning("task %s (%s) lost its worker mid-run; sending it again", row.pk, row.task)
                row.status = OutboxTask.Status.QUEUED
                row.published_at = None
                row.worker = None
                row.save(update_fields=["status", "published_at", "worker", "updated_at"])
                transaction.on_commit(lambda r=row: publish(outbox_id=r.pk, name=r.task, args=r.args, kwargs=r.kwargs))
                counts[kind] += 1
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return counts


# --- Worker hooks (Celery signals, connected in core.apps) ---------------------------------------


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _periodic_tasks() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def _from_outbox(task: Any) -> bool:
    request = task.request
    return bool(getattr(request, OUTBOX_HEADER, None) or (request.headers or {}).get(OUTBOX_HEADER))


def on_task_prerun(*, task_id: str, task: Any, **_: Any) -> None:
    if WORKER_BOOT is None or task.request.is_eager or (pk := _uuid(task_id)) is None:
        return
    now = timezone.now()
    if _from_outbox(task):
        OutboxTask.objects.filter(pk=pk).update(
            status=OutboxTask.Status.RUNNING, started_at=now, worker=WORKER_BOOT, attempts=F("attempts") + 1,
            updated_at=now,
        )  # fmt: skip
    if task.name in _periodic_tasks():
        PeriodicJob.objects.filter(last_task_id=pk).update(last_started_at=now, last_status="running", updated_at=now)


def on_task_postrun(*, task_id: str, task: Any, state: str | None = None, retval: Any = None, **_: Any) -> None:
    if WORKER_BOOT is None or task.request.is_eager or (pk := _uuid(task_id)) is None:
        return
    now = timezone.now()
    rows = OutboxTask.objects.filter(pk=pk)
    if not _from_outbox(task):
        pass
    elif state == "SUCCESS":
        rows.delete()
    elif state == "RETRY":  # Celery already published the retry, with the same id
        rows.update(status=OutboxTask.Status.QUEUED, published_at=now, worker=None, updated_at=now)
    else:
        rows.update(status=OutboxTask.Status.FAILED, error=repr(retval)[:2000], updated_at=now)
    if task.name in _periodic_tasks():
        PeriodicJob.objects.filter(last_task_id=pk).update(
            last_finished_at=now, last_status=(state or "").lower(), updated_at=now
        )


def heartbeat_write(*, kind: str, boot: uuid.UUID) -> None:
    """Upsert this process's heartbeat row."""
    WorkerHeartbeat.objects.update_or_create(
        boot=boot,
        defaults={"kind": kind, "hostname": socket.gethostname(), "pid": os.getpid(), "seen_at": timezone.now()},
    )


def on_worker_init(**_: Any) -> None:
    global WORKER_BOOT
    WORKER_BOOT = uuid.uuid4()


def on_worker_ready(**_: Any) -> None:
    """Start the heartbeat thread, then recover what earlier workers left behind."""
    if WORKER_BOOT is None:
        return
    _heartbeat_stop.clear()
    heartbeat_write(kind=WorkerHeartbeat.Kind.WORKER, boot=WORKER_BOOT)
    threading.Thread(target=_heartbeat_loop, name="fanfare-heartbeat", daemon=True).start()
    try:
        tasks_recover()
    finally:
        close_old_connections()


def _heartbeat_loop() -> None:
    while not _heartbeat_stop.wait(settings.TASKS_HEARTBEAT_SECONDS):
        try:
            heartbeat_write(kind=WorkerHeartbeat.Kind.WORKER, boot=WORKER_BOOT)
        except Exception:
            logger.warning("worker heartbeat not written", exc_info=True)
        finally:
            close_old_connections()


def on_worker_shutdown(**_: Any) -> None:
    """A worker that stops cleanly says so: its heartbeat row goes at once."""
    _heartbeat_stop.set()
    if WORKER_BOOT is not None:
        WorkerHeartbeat.objects.filter(boot=WORKER_BOOT).delete()
