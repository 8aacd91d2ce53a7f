"""Stripe webhooks: what the dj-stripe receivers call, retries of failed deliveries, the endpoint.

dj-stripe verifies the signature on the raw body (400 and an invalid WebhookEventTrigger row
otherwise), stores every delivery before processing it (WebhookEventTrigger), skips an event id
it has processed already, and processes the event in a transaction; a failure rolls the
processing back, keeps the delivery with its exception, and answers 500 (Stripe retries, and so
does ``webhook_events_retry``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from djstripe.models import WebhookEndpoint, WebhookEventTrigger
from djstripe.settings import djstripe_settings

from billing.models import BillingCustomer
from billing.services.payments import payment_sync
from billing.stripe_api import calling_stripe, client

logger = logging.getLogger(__name__)

# Event types Fanfare acts on (the endpoint is registered for these).
PAYMENT_EVENTS = [
    "payment_intent.created",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.canceled",
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "charge.refund.updated",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
]
CUSTOMER_EVENTS = ["payment_method.attached", "payment_method.detached", "customer.updated"]
# Connect: creators' Express accounts and the transfers that pay them (billing.services.payouts).
CONNECT_EVENTS = ["account.updated", "transfer.created", "transfer.updated", "transfer.reversed"]
ENABLED_EVENTS = [*PAYMENT_EVENTS, "refund.created", "refund.updated", *CUSTOMER_EVENTS, *CONNECT_EVENTS]


def payment_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """Any event about a payment: sync the payment it belongs to from Stripe's current state."""
    intent_id = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if not intent_id:
        logger.info("stripe event %s about %s has no payment intent; ignored", event_type, obj.get("id"))
        return
    payment_sync(payment_intent_id=intent_id)


def connect_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """A Connect account or a transfer changed: read its current state from Stripe and apply it."""
    from billing.services.connect import connect_account_sync
    from billing.services.payouts import transfer_sync

    if event_type == "account.updated" and obj.get("id"):
        connect_account_sync(stripe_account_id=obj["id"])
    elif event_type.startswith("transfer.") and obj.get("id"):
        transfer_sync(transfer_id=obj["id"])


def customer_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """Keep the customer's default card in step with Stripe."""
    if event_type == "customer.updated":
        default = ((obj.get("invoice_settings") or {}).get("default_payment_method")) or ""
        BillingCustomer.objects.filter(stripe_customer_id=obj.get("id")).update(default_payment_method_id=default)
    elif event_type == "payment_method.detached":
        BillingCustomer.objects.filter(default_payment_method_id=obj.get("id")).update(default_payment_method_id="")


@dataclass(frozen=True)
class RetryResult:
    trigger_id: int
    processed: bool
    error: str


def webhook_events_failed():
    """Deliveries that passed the signature check but whose processing failed."""
    return WebhookEventTrigger.objects.filter(valid=True, processed=False).order_by("created", "id")


def webhook_events_retry(
    *, dry_run: bool = False, limit: int = 500, trigger_ids: list[int] | None = None
) -> list[RetryResult]:
    """Process the failed deliveries again (oldest first); each in its own transaction."""
    triggers = webhook_events_failed()
    if trigger_ids is not None:
        triggers = triggers.filter(id__in=trigger_ids)
    results = []
    for trigger in triggers[:limit]:
        if dry_run:
            results.append(RetryResult(trigger.id, False, trigger.exception))
            continue
        api_key = djstripe_settings.get_default_api_key(livemode=trigger.json_body.get("livemode", False))
        try:
            with transaction.atomic():
                trigger.process(save=False, api_key=api_key)
        except Exception as error:  # noqa: BLE001 (kept on the delivery, as dj-stripe does)
            trigger.processed = False
            trigger.exception = str(error)[:128]
            trigger.save(update_fields=["processed", "exception", "updated"])
            results.append(RetryResult(trigger.id, False, str(error)))
            continue
        trigger.exception, trigger.traceback = "", ""
        trigger.save()
        results.append(RetryResult(trigger.id, True, ""))
    return results


def webhook_endpoint_register(*, base_url: str) -> WebhookEndpoint:
    """Register Fanfare's webhook URL at Stripe (or the peer) and keep it, with its secret, for dj-stripe.

    An endpoint kept for this base URL that Stripe still knows is reused; one Stripe no longer
    knows (the peer forgets everything when it restarts) is replaced.
    """
    base_url = base_url.rstrip("/")
    api = client().v1
    for kept in WebhookEndpoint.objects.filter(url__startswith=f"{base_url}/stripe/webhook/"):
        try:
            with calling_stripe("webhook endpoint retrieve"):
                api.webhook_endpoints.retrieve(kept.id)
            return kept
        except Exception:  # noqa: BLE001 (gone at Stripe: replaced below)
            kept.delete()
    endpoint = WebhookEndpoint()
    url = f"{base_url}/stripe/webhook/{endpoint.djstripe_uuid}/"
    with calling_stripe("webhook endpoint create"):
        remote = api.webhook_endpoints.create(
            params={
                "url": url,
                "enabled_events": ENABLED_EVENTS,
                "api_version": djstripe_settings.STRIPE_API_VERSION,
                "metadata": {"djstripe_uuid": str(endpoint.djstripe_uuid)},
            }
        )
    data = remote.to_dict()
    data["livemode"] = settings.STRIPE_LIVE_MODE
    endpoint = WebhookEndpoint.sync_from_stripe_data(data, api_key=settings.STRIPE_SECRET_KEY)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=remote.secret)
    endpoint.refresh_from_db()
    return endpoint
