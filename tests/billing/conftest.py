"""Billing's tests run against the local Stripe peer over real HTTP (a fresh peer per test)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import stripe

from billing.stripe_peer import running_peer, sign


@dataclass
class PeerHandle:
    url: str
    server: Any

    @property
    def state(self):
        return self.server.peer.state

    def helper(self, path: str, **data: Any) -> dict[str, Any]:
        response = requests.post(f"{self.url}{path}", data=data, timeout=30)
        response.raise_for_status()
        return response.json()

    def helper_get(self, path: str) -> dict[str, Any]:
        response = requests.get(f"{self.url}{path}", timeout=30)
        response.raise_for_status()
        return response.json()

    def flush(self) -> None:
        """Wait until every queued webhook delivery was attempted."""
        self.helper("/_peer/flush")

    def events(self, *types: str) -> list[dict[str, Any]]:
        return [event for event in self.state.events if not types or event["type"] in types]

    def dispute(self, payment_intent_id: str, **data: Any) -> dict[str, Any]:
        return self.helper("/_peer/disputes", payment_intent=payment_intent_id, **data)


@pytest.fixture
def stripe_peer(settings):
    with running_peer() as (url, server):
        settings.STRIPE_API_BASE = url
        previous, stripe.api_base = stripe.api_base, url
        try:
            yield PeerHandle(url=url, server=server)
        finally:
            stripe.api_base = previous


@pytest.fixture
def webhook_endpoint(db):
    """dj-stripe's endpoint row for posting events with the Django test client (no peer delivery)."""
    from djstripe.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        id="we_test_fanfare",
        url="http://testserver/stripe/webhook/",
        secret="whsec_test_fanfare_secret",
        enabled_events=["*"],
        status="enabled",
        livemode=False,
        api_version="2026-05-27.dahlia",
    )


def post_event(client, endpoint, event: dict[str, Any], *, secret: str | None = None, signature: str | None = None):
    """POST one event to Fanfare's webhook URL as Stripe does (raw JSON body, Stripe-Signature).

    The test's transaction never commits, so what runs at commit (the processing task, queued by
    the accepted delivery; eager in tests) runs when the request is done, as a worker would.
    """
    from django.test import TestCase

    payload = json.dumps(event)
    header = signature or sign(payload, secret or endpoint.secret)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/stripe/webhook/{endpoint.djstripe_uuid}/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )


def replay_shuffled(client, endpoint, events: list[dict[str, Any]], times: int = 3, seed: int = 7) -> list[int]:
    deliveries = [event for event in events for _ in range(times)]
    random.Random(seed).shuffle(deliveries)
    return [post_event(client, endpoint, event).status_code for event in deliveries]
