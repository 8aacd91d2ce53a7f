"""``stripe_get``, the webhook batches' read of a payment (``stripe_state_fetch``): the JSON as dicts,
the same request and the same errors as stripe-python's ``retrieve``, against the local peer and a
tiny local HTTP server that records what it is sent and answers what a test tells it to."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from billing.models import Payment
from billing.services.payments import payment_create, payment_sync, stripe_state_fetch
from billing.services.refunds import refund_create
from billing.stripe_api import (
    PaymentProviderRejectedError,
    PaymentProviderUnavailableError,
    StripeData,
    calling_stripe,
    client,
    stripe_get,
)
from tests.factories import UserFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db

EXPAND = ["latest_charge.balance_transaction", "latest_charge.refunds.data.balance_transaction", "payment_method"]


def _paid_tip(*, amount=2000, key="tip:read"):
    return payment_create(
        payer=UserFactory(),
        beneficiary=UserFactory(),
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency="usd",
        idempotency_key=key,
        payment_method_id="pm_card_visa",
    )


def _library_read(intent_id, **options):
    return client().v1.payment_intents.retrieve(intent_id, params={"expand": EXPAND}, options=options or None)


def test_the_read_gives_plain_dicts_equal_field_by_field_to_stripe_pythons_objects(stripe_peer):
    payment = _paid_tip()
    refund_create(payment=payment, amount=300, reason="asked")
    refund_create(payment=payment, amount=200, reason="asked")

    state = stripe_state_fetch(payment_intent_id=payment.stripe_payment_intent_id)
    library = _library_read(payment.stripe_payment_intent_id)

    # the intent with everything expanded, its charge, each refund: dicts, not StripeObjects
    assert type(state.intent) is StripeData
    assert not isinstance(state.intent, stripe.StripeObject)
    assert type(state.charge) is StripeData
    assert type(state.charge.balance_transaction) is StripeData
    assert state.intent.to_dict() == library.to_dict()
    assert type(state.intent.to_dict()) is dict
    assert type(state.intent.to_dict()["latest_charge"]) is dict
    assert state.charge.to_dict() == library.latest_charge.to_dict()
    assert [refund.to_dict() for refund in state.refunds] == [r.to_dict() for r in library.latest_charge.refunds.data]
    assert len(state.refunds) == 2
    assert state.disputes == []
    # read as billing reads a StripeObject: attributes, a missing one an AttributeError
    assert state.intent.metadata["fanfare_payment_id"] == str(payment.pk)
    assert state.charge.amount_refunded == 500
    assert state.refunds[0].balance_transaction.fee is not None
    assert getattr(state.intent, "no_such_field", "absent") == "absent"
    with pytest.raises(AttributeError):
        state.intent.no_such_field  # noqa: B018

    # and the payment synced from it is what it was
    synced = payment_sync(payment_intent_id=payment.stripe_payment_intent_id, state=state)
    assert (synced.status, synced.amount_refunded) == (Payment.Status.PARTIALLY_REFUNDED, 500)


class _Recorder(BaseHTTPRequestHandler):
    """Records each request (path with query, headers) and answers the server's next answer."""

    def do_GET(self):
        self.server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        status, body = self.server.answers.pop(0) if len(self.server.answers) > 1 else self.server.answers[0]
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@contextmanager
def _recording_server(settings, *answers):
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Recorder)
    server.seen, server.answers = [], list(answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    previous, stripe.api_base = stripe.api_base, f"http://127.0.0.1:{server.server_address[1]}"
    settings.STRIPE_API_BASE = stripe.api_base
    try:
        yield server
    finally:
        stripe.api_base = previous
        server.shutdown()
        server.server_close()
        thread.join(5)


_INTENT = {"id": "pi_123", "object": "payment_intent", "latest_charge": None, "metadata": {}}
# Headers that differ between any two requests of the same client (the last request's timing).
_PER_REQUEST = {"x-stripe-client-telemetry"}


@pytest.mark.parametrize("account", [None, "acct_1Connected000000"])
def test_the_read_sends_the_request_stripe_python_sends(settings, account):
    """Same path and query (``expand[]``), same headers: the key, Stripe-Version, the user agents, and
    Stripe-Account for a connected account; to the configured base URL."""
    settings.STRIPE_SECRET_KEY = "sk_test_read_key"
    with _recording_server(settings, (200, _INTENT)) as server:
        library = _library_read("pi_123", **({"stripe_account": account} if account else {}))
        ours = stripe_get("/v1/payment_intents/pi_123", expand=EXPAND, stripe_account=account)

    assert ours.to_dict() == library.to_dict() == _INTENT
    (library_path, library_headers), (our_path, our_headers) = server.seen
    assert (
        our_path
        == library_path
        == (
            "/v1/payment_intents/pi_123?expand%5B0%5D=latest_charge.balance_transaction"
            "&expand%5B1%5D=latest_charge.refunds.data.balance_transaction&expand%5B2%5D=payment_method"
        )
    )
    strip = lambda headers: {k: v for k, v in headers.items() if k not in _PER_REQUEST}  # noqa: E731
    assert strip(our_headers) == strip(library_headers)
    assert our_headers["authorization"] == "Bearer sk_test_read_key"
    assert our_headers["stripe-version"] == stripe.api_version
    assert our_headers.get("stripe-account") == account


def test_an_unknown_payment_intent_is_stripes_invalid_request_error_as_from_the_library(stripe_peer):
    with pytest.raises(stripe.InvalidRequestError) as library:
        _library_read("pi_missing")
    with pytest.raises(stripe.InvalidRequestError) as ours:
        stripe_get("/v1/payment_intents/pi_missing", expand=EXPAND)

    assert (
        (ours.value.http_status, ours.value.code, ours.value.param, ours.value.user_message)
        == (
            library.value.http_status,
            library.value.code,
            library.value.param,
            library.value.user_message,
        )
        == (404, "resource_missing", "id", "No such payment_intent: 'pi_missing'")
    )
    with pytest.raises(PaymentProviderRejectedError) as mapped:
        stripe_state_fetch(payment_intent_id="pi_missing")
    assert mapped.value.code == "payment_provider_rejected"


def test_stripe_unreachable_is_a_connection_error_and_payment_provider_unavailable(settings, db):
    port = free_port()  # nothing listens on it
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0

    with pytest.raises(stripe.APIConnectionError) as error:
        stripe_get("/v1/payment_intents/pi_123", expand=EXPAND)
    assert error.value.should_retry is True
    with pytest.raises(PaymentProviderUnavailableError) as mapped:
        stripe_state_fetch(payment_intent_id="pi_123")
    assert (mapped.value.status_code, mapped.value.code) == (503, "payment_provider_unavailable")


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (500, {"error": {"type": "api_error", "message": "down"}}, stripe.APIError),
        (429, {"error": {"type": "invalid_request_error", "message": "slow down"}}, stripe.RateLimitError),
        (401, {"error": {"type": "invalid_request_error", "message": "bad key"}}, stripe.AuthenticationError),
        (200, b"<html>not json</html>", stripe.APIError),
    ],
)
def test_stripes_failures_raise_what_the_library_raises_and_are_retried_as_it_retries(
    settings, status, body, error_class
):
    """A 5xx is retried (``STRIPE_MAX_NETWORK_RETRIES``), then the same error as the library's; each
    maps through ``calling_stripe`` to ``payment_provider_unavailable`` or ``_rejected`` as before."""
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    with _recording_server(settings, (status, body)) as server:
        with pytest.raises(error_class) as library:
            _library_read("pi_123")
        library_requests = len(server.seen)
        with pytest.raises(error_class) as ours:
            stripe_get("/v1/payment_intents/pi_123", expand=EXPAND)
        our_requests = len(server.seen) - library_requests
        with (
            pytest.raises((PaymentProviderRejectedError, PaymentProviderUnavailableError)) as library_mapped,
            calling_stripe("payment state"),
        ):
            _library_read("pi_123")
        with pytest.raises((PaymentProviderRejectedError, PaymentProviderUnavailableError)) as our_mapped:
            stripe_state_fetch(payment_intent_id="pi_123")

    assert type(ours.value) is type(library.value)
    assert (ours.value.http_status, ours.value.user_message) == (library.value.http_status, library.value.user_message)
    assert our_requests == library_requests == (2 if status >= 500 else 1)
    assert type(our_mapped.value) is type(library_mapped.value)
    expected = PaymentProviderRejectedError if status == 401 else PaymentProviderUnavailableError
    assert type(our_mapped.value) is expected


def test_a_batch_whose_read_cannot_reach_stripe_keeps_its_deliveries_for_the_retries(stripe_peer, settings, client):
    """Stripe unreachable during a batch's read: every delivery fails and is kept (nothing posted);
    the retry, Stripe back, processes them."""
    from djstripe.models import WebhookEndpoint

    from billing.models import JournalEntry
    from billing.services.webhooks import webhook_events_failed, webhook_events_process, webhook_events_retry
    from tests.billing.test_webhooks import _forget_everything, _post_only

    endpoint = WebhookEndpoint.objects.create(
        id="we_test_read", url="http://testserver/stripe/webhook/", secret="whsec_test_read",
        enabled_events=["*"], status="enabled", livemode=False, api_version="2026-05-27.dahlia",
    )  # fmt: skip
    payment = _paid_tip()
    refund_create(payment=payment, amount=300, reason="asked")
    events = stripe_peer.events("payment_intent.succeeded", "charge.refunded")
    _forget_everything()
    _post_only(client, endpoint, events)

    peer_url, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, f"http://127.0.0.1:{free_port()}"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    assert webhook_events_process() == {"processed": 0, "failed": 2}
    assert webhook_events_failed().count() == 2
    assert set(webhook_events_failed().values_list("exception", flat=True)) == {
        "The payment provider is not answering. Nothing was charged; try again shortly."
    }
    assert JournalEntry.objects.count() == 0

    settings.STRIPE_API_BASE = peer_url
    webhook_events_retry()
    assert webhook_events_failed().count() == 0
    assert Payment.objects.get().status == Payment.Status.PARTIALLY_REFUNDED
    assert JournalEntry.objects.count() == 2
