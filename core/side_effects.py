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

    With a broker the task is first written to the outbox in the current transaction
    (``core.outbox``), so a broker that is down at commit or a worker killed mid-task loses
    nothing. Eager tasks (the test suite) run at commit, as before.
    """
    if task.app.conf.task_always_eager:
        after_commit(task.apply_async, args=args, kwargs=kwargs)
        return
    from core import outbox

    outbox.enqueue(task=task, args=args, kwargs=kwargs)


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
