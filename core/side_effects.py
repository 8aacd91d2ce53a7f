"""Side effects run after the surrounding transaction commits, and never if it rolls back.

Services call these instead of ``task.delay()``, ``channel_layer.group_send()`` or
``send_mail()`` directly, so nothing leaves the process for data that was never committed.
Outside a transaction the effect runs at once (Django's on_commit semantics).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def after_commit(callback: Callable[..., Any], *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Run ``callback(*args, **kwargs)`` once the current transaction commits.

    A failing callback is logged and does not stop the callbacks registered after it.
    """

    def run() -> None:
        callback(*args, **kwargs)

    # Django names a failing robust callback by its __qualname__ when it logs the error.
    run.__qualname__ = getattr(callback, "__qualname__", repr(callback))
    transaction.on_commit(run, using=using, robust=True)


def enqueue_task(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send a Celery task after commit. Tasks take primary keys, never model instances.

    If the broker does not take the message (down, unreachable), the task is kept in
    ``core.UnsentTask`` and sent again by ``core.unsent_tasks_resend``: the request that enqueued
    it is not failed and the task is not lost.
    """
    after_commit(task_publish, task.name, list(args), kwargs)


# What a broker that is down raises when a message is published (kombu wraps most of them).
def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as KombuOperationalError

    return (KombuOperationalError, ConnectionError, OSError, TimeoutError)


def task_publish(name: str, args: list, kwargs: dict) -> bool:
    """Publish task ``name`` now; on a broker error keep it as an ``UnsentTask``. True when sent."""
    from config.celery import app

    if app.conf.task_always_eager:  # no broker: the task runs here, and its own errors are its own
        app.tasks[name].apply_async(args=args, kwargs=kwargs)
        return True
    try:
        app.tasks[name].apply_async(args=args, kwargs=kwargs)
    except _broker_errors() as error:
        from core.models import UnsentTask

        logger.warning("broker unavailable: task %s kept to send again (%s)", name, error)
        UnsentTask.objects.create(name=name, args=args, kwargs=kwargs, last_error=str(error)[:2000])
        return False
    return True


def unsent_tasks_resend(*, limit: int = 500) -> tuple[int, int]:
    """Publish kept tasks again, oldest first; returns (sent, still unsent)."""
    from config.celery import app
    from core.models import UnsentTask

    sent = 0
    for unsent in UnsentTask.objects.order_by("created_at")[:limit]:
        try:
            app.tasks[unsent.name].apply_async(args=unsent.args, kwargs=unsent.kwargs)
        except _broker_errors() as error:
            UnsentTask.objects.filter(pk=unsent.pk).update(attempts=unsent.attempts + 1, last_error=str(error)[:2000])
            break  # the broker is still down: the next run tries again
        unsent.delete()
        sent += 1
    return sent, UnsentTask.objects.count()


def group_send(group: str, message: dict[str, Any]) -> None:
    """Send a channel-layer message to a WebSocket group after commit."""
    after_commit(_group_send_now, group, message)


def _group_send_now(group: str, message: dict[str, Any]) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        logger.warning("no channel layer configured; dropped message for group %s", group)
        return
    async_to_sync(layer.group_send)(group, message)


def send_email(**kwargs: Any) -> None:
    """Send one email (``django.core.mail.send_mail`` arguments) after commit."""
    from django.core.mail import send_mail

    after_commit(send_mail, **kwargs)
