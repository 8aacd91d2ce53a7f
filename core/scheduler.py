"""Beat's scheduler: ``CELERY_BEAT_SCHEDULE`` (config/schedule.py), each job's last run in the database.

Before beat sends a job it writes the slot's time and the task id it is about to use to that job's
:class:`~core.models.PeriodicJob` row; a beat that starts again reads those times back, so
restarting ``make run`` never runs a job twice for one slot (a beat killed between the write and the
send skips that one slot instead). Workers record when the job started and finished
(``core.outbox``), which ``manage.py tasks_status`` and ``/healthz`` show. Beat also writes its own
heartbeat every ``TASKS_HEARTBEAT_SECONDS``.
"""

from __future__ import annotations

import copy
import logging
import time
import uuid
from typing import Any

from celery.beat import ScheduleEntry, Scheduler
from django.conf import settings
from django.db import close_old_connections

from config.schedule import Crontab
from core.ids import uuid7
from core.models import PeriodicJob, WorkerHeartbeat

logger = logging.getLogger(__name__)


class Entry(ScheduleEntry):
    """Celery's entry; a ``config.schedule.Crontab`` becomes Celery's crontab here (the settings
    declare it without importing Celery)."""

    def __init__(
        self,
        name: Any = None,
        task: Any = None,
        last_run_at: Any = None,
        total_run_count: Any = None,
        schedule: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        # Celery's own signature, positions included: beat copies an entry (``copy.copy`` goes
        # through ``__reduce__``, which passes the schedule by position) before it sends it.
        if isinstance(schedule, Crontab):
            schedule = schedule.build()
        super().__init__(name, task, last_run_at, total_run_count, schedule, *args, **kwargs)


class DatabaseScheduler(Scheduler):
    Entry = Entry

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.boot = uuid.uuid4()
        self._last_heartbeat = 0.0
        super().__init__(*args, **kwargs)

    def install_default_entries(self, data: Any) -> None:
        """No entries of Celery's own: every job is in config/schedule.py."""

    def setup_schedule(self) -> None:
        super().setup_schedule()
        try:
            last = dict(PeriodicJob.objects.filter(name__in=list(self.schedule)).values_list("name", "last_sent_at"))
            for name, entry in self.schedule.items():
                if last.get(name):
                    entry.last_run_at = last[name]
                else:
                    # A job never run counts its first period from the first start of beat, not from
                    # each start: a daily job still runs when `make run` restarts every few hours.
                    PeriodicJob.objects.update_or_create(
                        name=name, defaults={"task": entry.task, "last_sent_at": entry.last_run_at}
                    )
        finally:
            close_old_connections()

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any) -> Any:
        if advance:
            entry = self.reserve(entry)
        slot = self.schedule[entry.name].last_run_at if entry.name in self.schedule else self.app.now()
        task_id = uuid7()
        try:
            PeriodicJob.objects.update_or_create(
                name=entry.name,
                defaults={"task": entry.task, "last_sent_at": slot, "last_task_id": task_id, "last_status": "sent"},
            )
        finally:
            close_old_connections()
        sent = copy.copy(entry)
        sent.options = {**entry.options, "task_id": str(task_id)}
        return super().apply_async(sent, producer=producer, advance=False, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if time.monotonic() - self._last_heartbeat >= settings.TASKS_HEARTBEAT_SECONDS:
            self._last_heartbeat = time.monotonic()
            try:
                from core.outbox import heartbeat_write

                heartbeat_write(kind=WorkerHeartbeat.Kind.BEAT, boot=self.boot)
            except Exception:
                logger.warning("beat heartbeat not written", exc_info=True)
            finally:
                close_old_connections()
        return min(super().tick(*args, **kwargs), settings.TASKS_HEARTBEAT_SECONDS)

    def close(self) -> None:
        try:
            WorkerHeartbeat.objects.filter(boot=self.boot).delete()
        except Exception:
            logger.warning("beat heartbeat not removed", exc_info=True)
        super().close()
