"""Celery tasks of billing: they take ids (or nothing) and call one service."""

from __future__ import annotations

from celery import shared_task

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)


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


@shared_task(name="billing.earnings_release")
def earnings_release_task() -> int:
    """Earnings past the hold period move from pending to available (beat: hourly, config/schedule.py)."""
    from billing.services.payouts import earnings_release

    return earnings_release()


@shared_task(name="billing.payouts_prepare")
def payouts_prepare_task() -> dict[str, int]:
    """The weekly payout run for last week (beat: Mondays, config/schedule.py; manage.py payouts_prepare)."""
    from billing.services.payouts import payouts_prepare

    result = payouts_prepare()
    return {"prepared": len(result.prepared), **{k: len(v) for k, v in result.skipped.items()}}


@shared_task(name="billing.payout_transfer_send", autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def payout_transfer_send_task(payout_id: str) -> str:
    """Send an approved payout's Transfer (after the approval commits)."""
    from billing.services.payouts import payout_transfer_send

    return payout_transfer_send(payout_id=payout_id).status


@shared_task(name="billing.payout_transfers_retry")
def payout_transfers_retry_task() -> int:
    """Approved payouts whose Transfer was never sent (Stripe was down): sent again (beat: every 10 minutes)."""
    from billing.models import Payout
    from billing.services.payouts import payout_transfer_send

    sent = 0
    for payout_id in Payout.objects.filter(status=Payout.Status.APPROVED, stripe_transfer_id__isnull=True).values_list(
        "pk", flat=True
    ):
        try:
            payout_transfer_send(payout_id=payout_id)
            sent += 1
        except Exception:
            import logging

            logging.getLogger(__name__).exception("payout %s: transfer not sent", payout_id)
    return sent
