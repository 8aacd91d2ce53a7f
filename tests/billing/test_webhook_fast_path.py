"""The webhook URL as production serves it (config.asgi: billing.webhook_view.WebhookFastPath, no
middleware stack), and the endpoint row kept in the process: the same answers as Django's stack,
and a changed endpoint applies to the very next delivery."""

import asyncio
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djstripe.models import Event, WebhookEndpoint, WebhookEventTrigger

from billing.models import JournalEntry, Payment
from billing.services.payments import payment_create
from billing.stripe_peer import sign
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.usefixtures("stripe_backend"),
    pytest.mark.peer_only("these tests post the peer's recorded events to this machine's endpoint"),
]


def _asgi_post(path: str, body: bytes, headers=(), *, method="POST", host=b"testserver", chunks=1):
    """One request through the production ASGI application (config.asgi), as uvicorn passes it."""
    from config.asgi import application

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", host), (b"content-type", b"application/json"), *headers],
        "client": ("10.1.2.3", 4567), "server": ("testserver", 80),
    }  # fmt: skip
    size = max(1, len(body) // chunks + 1)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    messages = [{"type": "http.request", "body": part, "more_body": i < len(parts) - 1} for i, part in enumerate(parts)]
    sent = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(60)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(application(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, content


def _post_signed(endpoint, event, *, secret=None, signature=None, **kwargs):
    payload = json.dumps(event).encode()
    header = signature or sign(payload.decode(), secret or endpoint.secret)
    return _asgi_post(
        f"/stripe/webhook/{endpoint.djstripe_uuid}/", payload, [(b"stripe-signature", header.encode())], **kwargs
    )


def _paid_tip(payer, creator, *, key="tip:1"):
    return payment_create(
        payer=payer, beneficiary=creator, purpose=Payment.Purpose.TIP, amount=1000, currency="usd",
        idempotency_key=key, payment_method_id="pm_card_visa",
    )  # fmt: skip


@pytest.fixture
def committed_endpoint(transactional_db):
    return WebhookEndpoint.objects.create(
        id="we_test_fast_path", url="http://testserver/stripe/webhook/", secret="whsec_test_fast_path",
        enabled_events=["*"], status="enabled", livemode=False, api_version="2026-05-27.dahlia",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_production_app_stores_and_processes_a_signed_delivery_and_a_replay_posts_nothing(
    stripe_peer, committed_endpoint
):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    (created,) = stripe_peer.events("charge.dispute.created")

    status, headers, content = _post_signed(committed_endpoint, created, chunks=3)
    replays = [_post_signed(committed_endpoint, created) for _ in range(2)]

    assert status == 200
    trigger = WebhookEventTrigger.objects.order_by("id").first()
    assert content == str(trigger.id).encode()
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-request-id"]
    assert (trigger.valid, trigger.processed, trigger.event_id) == (True, True, created["id"])
    assert trigger.remote_ip == "10.1.2.3"
    assert trigger.headers["Stripe-Signature"].startswith("t=")
    assert trigger.headers["Host"] == "testserver"
    assert json.loads(trigger.body) == created
    assert [replay[0] for replay in replays] == [200, 200]
    assert list(WebhookEventTrigger.objects.values_list("valid", "processed")) == [(True, True)] * 3
    assert Event.objects.count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_production_app_answers_bad_unsigned_unknown_and_other_requests_as_djangos_stack_does(
    stripe_peer, committed_endpoint, client
):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    (created,) = stripe_peer.events("charge.dispute.created")
    payload = json.dumps(created)
    path = f"/stripe/webhook/{committed_endpoint.djstripe_uuid}/"
    unknown = f"/stripe/webhook/{uuid.uuid4()}/"

    forged = _post_signed(committed_endpoint, created, secret="whsec_somebody_else")
    tampered = _post_signed(
        committed_endpoint, {**created, "type": "charge.refunded"}, signature=sign(payload, committed_endpoint.secret)
    )
    unsigned = _asgi_post(path, payload.encode())
    nowhere = _asgi_post(unknown, payload.encode(), [(b"stripe-signature", sign(payload, "whsec_x").encode())])
    fetched = _asgi_post(path, b"", method="GET")
    foreign_host = _post_signed(committed_endpoint, created, host=b"evil.example")

    assert [forged[0], tampered[0], unsigned[0]] == [400, 400, 400]
    # the unknown endpoint, another method and a host outside ALLOWED_HOSTS: Django's stack, same answers
    django_nowhere = client.post(unknown, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="x")
    assert (nowhere[0], nowhere[2]) == (404, django_nowhere.content)
    assert fetched[0] == client.get(path).status_code == 405
    assert foreign_host[0] == 400
    assert list(WebhookEventTrigger.objects.values_list("valid", "processed")) == [(False, False), (False, False)]
    assert Event.objects.count() == 0
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_secret_changed_by_another_process_applies_to_the_next_delivery(stripe_peer, committed_endpoint):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    created, withdrawn = stripe_peer.events("charge.dispute.created", "charge.dispute.funds_withdrawn")
    assert _post_signed(committed_endpoint, created)[0] == 200  # the endpoint row is now kept

    # another process rotates the secret (an UPDATE: no signal reaches this one)
    WebhookEndpoint.objects.filter(pk=committed_endpoint.pk).update(secret="whsec_rotated")
    old_secret = _post_signed(committed_endpoint, withdrawn)
    new_secret = _post_signed(committed_endpoint, withdrawn, secret="whsec_rotated")
    # and then deletes the endpoint (raw SQL: no signal either)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE djstripe_webhookeventtrigger SET webhook_endpoint_id = NULL")
        cursor.execute(
            "DELETE FROM djstripe_webhookendpoint WHERE djstripe_uuid = %s", [committed_endpoint.djstripe_uuid]
        )
    gone = _post_signed(committed_endpoint, withdrawn, secret="whsec_rotated")

    assert (old_secret[0], new_secret[0], gone[0]) == (400, 200, 404)
    assert list(WebhookEventTrigger.objects.order_by("id").values_list("valid", "processed")) == [
        (True, True), (False, False), (True, True),
    ]  # fmt: skip
    assert Event.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_tolerance_changed_by_another_process_applies_to_the_next_delivery(stripe_peer, committed_endpoint):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    created, withdrawn = stripe_peer.events("charge.dispute.created", "charge.dispute.funds_withdrawn")
    assert _post_signed(committed_endpoint, created)[0] == 200
    import time

    stale = sign(json.dumps(withdrawn), committed_endpoint.secret, timestamp=int(time.time()) - 120)

    WebhookEndpoint.objects.filter(pk=committed_endpoint.pk).update(djstripe_tolerance=60)

    assert _post_signed(committed_endpoint, withdrawn, signature=stale)[0] == 400


def test_a_delivery_that_finds_the_task_queued_is_stored_and_joins_it_in_one_statement(
    stripe_peer, webhook_endpoint, client
):
    from config.celery import app
    from core.models import OutboxTask

    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    created, withdrawn = stripe_peer.events("charge.dispute.created", "charge.dispute.funds_withdrawn")
    path = f"/stripe/webhook/{webhook_endpoint.djstripe_uuid}/"
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        first = client.post(
            path, data=json.dumps(created), content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(json.dumps(created), webhook_endpoint.secret),
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            second = client.post(
                path, data=json.dumps(withdrawn), content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(json.dumps(withdrawn), webhook_endpoint.secret),
            )  # fmt: skip
    finally:
        app.conf.task_always_eager = eager

    assert (first.status_code, second.status_code) == (200, 200)
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 1
    assert "FOR SHARE" in statements[0]
    assert list(OutboxTask.objects.values_list("task", "status")) == [("billing.webhook_events_process", "queued")]
    assert list(WebhookEventTrigger.objects.order_by("id").values_list("valid", "processed", "body")) == [
        (True, False, json.dumps(created)), (True, False, json.dumps(withdrawn)),
    ]  # fmt: skip
