"""Billing's tests run against the local Stripe peer over real HTTP (a fresh peer per test).

The integration flows (customers, cards, payments, refunds, disputes) take the ``stripe_backend``
fixture instead, which runs each of them twice: against the local peer, always, and against
Stripe's own test mode when ``STRIPE_TEST_SECRET_KEY`` (an ``sk_test_`` key) is set; skipped
otherwise, so without the key nothing touches the network. A flow that cannot run against test
mode says why in its skip reason (``peer_only`` marker or ``stripe_backend.only_on_peer``).
See docs/billing.md, "Running the tests against Stripe's test mode".
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import stripe

from billing.stripe_peer import running_peer, sign

STRIPE_TEST_SECRET_KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")
TEST_MODE_API = "https://api.stripe.com"


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


@dataclass
class StripeBackend:
    """Where a flow's Stripe calls go: ``peer`` (the local peer) or ``test-mode`` (Stripe's)."""

    name: str
    peer: PeerHandle | None
    run: str  # unique per test run: Stripe keeps idempotency keys for a day, across runs

    @property
    def is_peer(self) -> bool:
        return self.peer is not None

    def only_on_peer(self, reason: str) -> None:
        if not self.is_peer:
            pytest.skip(f"not against Stripe's test mode: {reason}")

    def key(self, name: str) -> str:
        """An idempotency key for the test (unique per run against test mode)."""
        return name if self.is_peer else f"{name}:{self.run}"

    def api(self):
        from billing.stripe_api import client

        return client().v1

    def dispute_of(self, payment_intent_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The dispute Stripe opens on a payment made with ``pm_card_createDispute`` (test mode
        opens it shortly after the charge; the peer at once)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.api().disputes.list(params={"payment_intent": payment_intent_id}).data
            if found:
                return found[0].to_dict()
            if time.monotonic() > deadline:
                raise AssertionError(f"Stripe opened no dispute on {payment_intent_id}")
            time.sleep(1)


@pytest.fixture(params=["peer", "test-mode"])
def stripe_backend(request, settings):
    """The integration flows' Stripe: the local peer, and Stripe's test mode when
    STRIPE_TEST_SECRET_KEY is set (skipped otherwise, before anything touches the network)."""
    if request.param == "peer":
        yield StripeBackend(name="peer", peer=request.getfixturevalue("stripe_peer"), run="")
        return
    marker = request.node.get_closest_marker("peer_only")
    if marker is not None:
        pytest.skip(f"not against Stripe's test mode: {marker.args[0]}")
    if not STRIPE_TEST_SECRET_KEY.startswith("sk_test_"):
        pytest.skip("Stripe test mode: STRIPE_TEST_SECRET_KEY (an sk_test_ key) is not set")
    settings.STRIPE_SECRET_KEY = STRIPE_TEST_SECRET_KEY
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    previous, stripe.api_base = stripe.api_base, TEST_MODE_API
    try:
        yield StripeBackend(name="test-mode", peer=None, run=uuid.uuid4().hex[:12])
    finally:
        stripe.api_base = previous
