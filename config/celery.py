"""Celery app. The broker is CELERY_BROKER_URL, or the embedded one on Fanfare's own database
(``core.embedded_broker``); tasks run eagerly in-process only in the test suite.

Only the processes that use Celery import this module: the worker and beat (``celery -A config``),
and a process the first time it sends a task (each tasks module imports it, so its tasks bind to
this app; ``core.outbox.publish`` sends through it). The web process starts without it. The worker
registers every task through ``autodiscover_tasks`` (each app's ``tasks`` module, and the video
pipeline's ``content.video_tasks``), not through the apps' ``ready()``.
"""

import os
from typing import Any

from celery import Celery, signals
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# "fanfaredb+postgresql+psycopg://..." names the embedded broker (imported only when used).
TRANSPORT_ALIASES.setdefault("fanfaredb", "core.embedded_broker_transport:Transport")

app = Celery("fanfare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["content"], related_name="video_tasks")


# The task outbox's worker hooks (``core.outbox``): Celery's documented interface for a worker's
# life cycle, connected wherever this app exists, so in every process that can run a task.
# ``core.outbox`` needs the models, so it is imported when a signal fires (Django is set up then).
def _outbox_hook(name: str) -> Any:
    def hook(**kwargs: Any) -> None:
        from core import outbox

        getattr(outbox, name)(**kwargs)

    hook.__qualname__ = hook.__name__ = f"outbox.{name}"
    return hook


signals.worker_init.connect(_outbox_hook("on_worker_init"), weak=False)
signals.worker_ready.connect(_outbox_hook("on_worker_ready"), weak=False)
signals.worker_shutdown.connect(_outbox_hook("on_worker_shutdown"), weak=False)
signals.task_prerun.connect(_outbox_hook("on_task_prerun"), weak=False)
signals.task_postrun.connect(_outbox_hook("on_task_postrun"), weak=False)
