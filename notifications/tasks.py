"""Notifications' Celery tasks. Each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)
from core.side_effects import enqueue_task
from notifications import delivery, services

MAX_RETRIES = 4


def _backoff(retries: int) -> int:
    return 30 * 2**retries  # 30 s, 1 min, 2 min, 4 min


def _retry(task, exc: Exception, *args: str) -> str | None:
    """Try again later; give up (the attempts say why) after ``max_retries``. Eager tasks (no
    broker) retry at once: Celery would otherwise propagate the Retry instead of running it."""
    if task.request.retries >= task.max_retries:
        return "failed"
    if task.request.is_eager:
        return task.apply(args=args, retries=task.request.retries + 1).result
    raise task.retry(exc=exc, countdown=_backoff(task.request.retries)) from exc


@shared_task(name="notifications.email_deliver", bind=True, max_retries=MAX_RETRIES)
def email_deliver_task(self, notification_id: str) -> str | None:
    try:
        attempt = delivery.email_deliver(notification_id=notification_id, attempt=self.request.retries + 1)
    except delivery.TransientDeliveryError as exc:
        return _retry(self, exc, notification_id)
    return attempt and attempt.status


@shared_task(name="notifications.push_deliver")
def push_deliver_task(notification_id: str) -> int:
    """Fan a push out to each active token of the recipient, one retried task per token."""
    token_ids = delivery.push_tokens_for(notification_id=notification_id)
    if not token_ids:
        delivery.push_skip_if_no_token(notification_id=notification_id)
    for token_id in token_ids:
        enqueue_task(push_token_deliver_task, notification_id, token_id)
    return len(token_ids)


@shared_task(name="notifications.push_token_deliver", bind=True, max_retries=MAX_RETRIES)
def push_token_deliver_task(self, notification_id: str, token_id: str) -> str | None:
    try:
        attempt = delivery.push_deliver(
            notification_id=notification_id, token_id=token_id, attempt=self.request.retries + 1
        )
    except delivery.TransientDeliveryError as exc:
        return _retry(self, exc, notification_id, token_id)
    return attempt and attempt.status


@shared_task(name="notifications.sms_deliver", bind=True, max_retries=MAX_RETRIES)
def sms_deliver_task(self, notification_id: str) -> str | None:
    try:
        attempt = delivery.sms_deliver(notification_id=notification_id, attempt=self.request.retries + 1)
    except delivery.TransientDeliveryError as exc:
        return _retry(self, exc, notification_id)
    return attempt and attempt.status


@shared_task(name="notifications.deferred_release")
def deferred_release_task() -> int:
    """Send the push and SMS that quiet hours held back, once they are over (beat: every minute)."""
    return services.deferred_deliveries_release()


@shared_task(name="notifications.digests_send")
def digests_send_task(frequency: str) -> int:
    """Email the daily or weekly digests (beat)."""
    return delivery.digests_send(frequency=frequency)


@shared_task(name="notifications.announcement_deliver")
def announcement_deliver_task(announcement_id: str) -> None:
    """Deliver an announcement batch by batch; each batch is one transaction with its progress."""
    while services.announcement_deliver_batch(announcement_id=announcement_id):
        pass
