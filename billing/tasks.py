"""Celery tasks of billing: they take ids (or nothing) and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="billing.webhook_events_process")
def webhook_events_process_task() -> dict[str, int]:
    """Process the stored webhook deliveries (queued through the outbox by each accepted delivery)."""
    from billing.services.webhooks import webhook_events_process

    return webhook_events_process()


@shared_task(name="billing.webhook_events_retry")
def webhook_events_retry_task() -> dict[str, int]:
    """Process again the webhook deliveries not processed yet (beat: every 5 minutes, config/schedule.py)."""
    from billing.services.webhooks import webhook_events_retry

    results = webhook_events_retry()
    return {"retried": len(results), "processed": sum(1 for result in results if result.processed)}


@shared_task(name="billing.memberships_sweep")
def memberships_sweep_task() -> dict[str, int]:
    """End memberships past their grace period or gift, announce endings (beat: hourly, config/schedule.py)."""
    from billing.services.memberships import memberships_sweep

    return memberships_sweep().as_dict()
