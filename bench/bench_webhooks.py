"""Stripe webhook throughput: Fanfare's receiver (dj-stripe + billing) against a minimal receiver.

In a throwaway database (bench_fanfare_webhooks, cloned from the tests' migrated template when
there is one), a local Stripe peer makes N/2 paid tips and refunds N/2 of them in part, which
gives N signed events (``payment_intent.succeeded`` and ``charge.refunded``;
``BENCH_WEBHOOK_EVENTS``, default 10,000). Concurrent clients (``BENCH_WEBHOOK_CLIENTS``,
default 8) POST them, signed with the endpoint's secret, to:

- the minimal receiver (the baseline): verifies each signature and inserts the raw event
  (``INSERT ... ON CONFLICT DO NOTHING``), the least any receiver must do;
- Fanfare's webhook URL (``/stripe/webhook/<uuid>/``), as production runs it: dj-stripe stores
  the delivery and verifies it, billing queues the processing task through the outbox and the
  view answers; a Celery worker started as ``make run`` starts it (``--pool threads
  --concurrency 2``, on the embedded broker unless ``BENCH_WEBHOOK_BROKER`` names another) runs
  the batches: one read of Stripe's current state per payment, dj-stripe's processing (the Event
  row, its mirror synced from that read) and billing's payment sync and entries.

Both behind the same uvicorn, in this process, with a connection pool (as DATABASE_POOL gives);
the peer runs in a process of its own. Reported: events/s of each receiver (acknowledged), the
events/s and ledger entries/s of Fanfare's processing (from the first delivery until the worker
has processed the last one), the ratios of both to the minimal receiver (target >= 0.25), then a
replay of every event, which must post no entry. Processing stops being waited for after
``BENCH_WEBHOOK_TIMEOUT`` seconds (default 900); what was done by then is reported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

ROOT = Path(__file__).resolve().parent.parent

EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "10000"))
CLIENTS = int(os.environ.get("BENCH_WEBHOOK_CLIENTS", "8"))
# A file name: instead of the measured runs, post the events one after another in this thread under
# cProfile (Django's test client, no server) and write the profile there, for finding where time goes.
PROFILE = os.environ.get("BENCH_WEBHOOK_PROFILE", "")
TIMEOUT = float(os.environ.get("BENCH_WEBHOOK_TIMEOUT", "900"))
BROKER = os.environ.get("BENCH_WEBHOOK_BROKER", "")
SECRET = "whsec_bench_fanfare_webhooks"  # noqa: S105 (a throwaway endpoint's secret)


def _insert_raw(event_id: str, body: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_raw_event (id, body) VALUES (%s, %s::jsonb) ON CONFLICT (id) DO NOTHING",
            [event_id, body],
        )


async def minimal_receiver(scope, receive, send):
    """Verify the signature on the raw body, insert the event, answer 200 (400 when unsigned)."""
    import stripe

    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    payload = body.decode()
    try:
        stripe.WebhookSignature.verify_header(payload, headers.get(b"stripe-signature", b"").decode(), SECRET, 300)
        status = 200
        await sync_to_async(_insert_raw, thread_sensitive=False)(json.loads(payload)["id"], payload)
    except stripe.SignatureVerificationError:
        status = 400
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def _start_peer() -> tuple[subprocess.Popen, str]:
    """The local Stripe peer in a process of its own (Stripe is another machine, after all)."""
    from tests.servers import free_port

    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "STRIPE_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "stripe_peer", "--port", str(port), "--state-file", "", "--webhook-base-url", ""],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/_peer/deliveries", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the Stripe peer did not start")


def _use_broker(url: str) -> None:
    from config.celery import app

    app.conf.broker_url = url
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare("celery", durable=True, auto_delete=False)
        conn.default_channel.queue_purge("celery")


def _start_worker(broker_url: str, peer_url: str, log_path: Path) -> subprocess.Popen:
    """A worker as ``make run`` starts one, on the benchmark's database, talking to the peer."""
    env = {key: value for key, value in os.environ.items() if key != "STRIPE_SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        CELERY_BROKER_URL=broker_url,
        STRIPE_PEER_PORT=peer_url.rsplit(":", 1)[1],
        LOG_LEVEL="WARNING",
    )
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    else:
        env["EMBEDDED_DB_NAME"] = connection.settings_dict["NAME"]
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads", "--concurrency", "2",
         "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    from core.models import WorkerHeartbeat

    deadline = time.monotonic() + 120
    while not WorkerHeartbeat.objects.filter(kind="worker").exists():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"the benchmark's worker did not start (see {log_path})")
        time.sleep(0.2)
    return process


def _wait_processed(started: float) -> tuple[float, int]:
    """Seconds from ``started`` until no delivery waits (or TIMEOUT); how many still wait."""
    from billing.services.webhooks import webhook_events_pending

    while True:
        waiting = webhook_events_pending().count()
        elapsed = time.perf_counter() - started
        if not waiting or elapsed > TIMEOUT:
            return elapsed, waiting
        time.sleep(0.25)


def _make_events(url: str, payer, creator) -> list[dict]:
    """N/2 paid tips (with Fanfare's metadata, as payment_create writes it) and N/2 partial refunds."""
    from billing.stripe_api import client
    from core.ids import uuid7

    api = client().v1
    customer = api.customers.create(params={"email": "bench@example.com"})

    def pay(index: int) -> str:
        payment_id = uuid7()
        metadata = {
            "fanfare_payment_id": str(payment_id),
            "purpose": "tip",
            "purpose_ref": "",
            "payer_id": str(payer.pk),
            "beneficiary_id": str(creator.pk),
            "idempotency_key": f"bench:{payment_id}",
        }
        params = {
            "amount": 1000 + index % 97,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": metadata,
        }
        return api.payment_intents.create(params=params).id

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        intents = list(pool.map(pay, range(EVENTS - EVENTS // 2)))
        list(
            pool.map(
                lambda pi: api.refunds.create(params={"payment_intent": pi, "amount": 300}), intents[: EVENTS // 2]
            )
        )
    events = []
    for kind in ("payment_intent.succeeded", "charge.refunded"):
        events += httpx.get(f"{url}/_peer/events", params={"type": kind}, timeout=300).json()["data"]
    return events


def _post_all(url: str, events: list[dict], started: float | None = None) -> tuple[float, dict[int, int]]:
    from billing.stripe_peer import sign

    local = threading.local()
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def post(event: dict) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=60)
        payload = json.dumps(event)
        response = client.post(
            url,
            content=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, SECRET)},
        )
        with lock:
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = started or time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(post, events))
    return time.perf_counter() - started, statuses


def _profile(events: list[dict], endpoint) -> dict:
    import cProfile
    import pstats

    from django.test import Client

    from billing.stripe_peer import sign

    client = Client()
    url = f"/stripe/webhook/{endpoint.djstripe_uuid}/"
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for event in events:
        payload = json.dumps(event)
        response = client.post(
            url, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload, SECRET),
            HTTP_HOST="127.0.0.1",
        )  # fmt: skip
        assert response.status_code == 200, response.content
    profiler.disable()
    seconds = time.perf_counter() - started
    profiler.dump_stats(PROFILE)
    pstats.Stats(PROFILE).sort_stats("cumulative").print_stats(40)
    # Then the processing of what was accepted (the task's work, here in this thread).
    from billing.services.webhooks import webhook_events_process

    processing = cProfile.Profile()
    started = time.perf_counter()
    processing.enable()
    counts = webhook_events_process()
    processing.disable()
    processing_seconds = time.perf_counter() - started
    processing.dump_stats(PROFILE + ".processing")
    pstats.Stats(PROFILE + ".processing").sort_stats("cumulative").print_stats(40)
    return {
        "name": "webhooks", "profile": PROFILE, "events": len(events), "accept_seconds": round(seconds, 2),
        "processing_seconds": round(processing_seconds, 2), "processing": counts,
    }  # fmt: skip


def run() -> dict:
    import stripe
    from djstripe.models import WebhookEndpoint

    from billing.models import JournalEntry
    from billing.stripe_api import api_base_override
    from config.asgi import application
    from core.embedded_broker import broker_url_for
    from tests import db_template
    from tests.factories import UserFactory
    from tests.servers import serve_asgi

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_fanfare_webhooks"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    cloned = db_template.clone_into_test_database()
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=cloned)
    # As in production (DATABASE_POOL or PgBouncer): under ASGI each request's synchronous code runs
    # in a thread of its own, and without a pool each would open a new connection. The minimal
    # receiver's worker threads keep theirs, so both sides reuse connections.
    connection.close()
    settings.DATABASES["default"]["OPTIONS"].setdefault("pool", {"min_size": 2, "max_size": CLIENTS + 4})
    stripe.max_network_retries = 0
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_raw_event (id text PRIMARY KEY, body jsonb NOT NULL)")
        peer, peer_url = _start_peer()
        try:
            settings.STRIPE_API_BASE = peer_url
            stack = api_base_override(peer_url)
            stack.__enter__()
            endpoint = WebhookEndpoint.objects.create(
                id="we_bench", url="http://127.0.0.1/", secret=SECRET, enabled_events=["*"], status="enabled",
                livemode=False, api_version="2026-05-27.dahlia",
            )  # fmt: skip
            payer, creator = UserFactory(), UserFactory()
            events = _make_events(peer_url, payer, creator)
            broker_url = BROKER or broker_url_for(connection.settings_dict)
            _use_broker(broker_url)
            if PROFILE:
                return _profile(events, endpoint)
            with serve_asgi(minimal_receiver) as url:
                baseline_seconds, baseline_statuses = _post_all(url + "/", events)
            log_path = Path(tempfile.gettempdir()) / f"bench-webhooks-worker-{os.getpid()}.log"
            worker = _start_worker(broker_url, peer_url, log_path)
            try:
                entries_before = JournalEntry.objects.count()
                with serve_asgi(application) as url:
                    hook = f"{url}/stripe/webhook/{endpoint.djstripe_uuid}/"
                    started = time.perf_counter()
                    fanfare_seconds, fanfare_statuses = _post_all(hook, events, started)
                    processed_seconds, waiting = _wait_processed(started)
                    entries = JournalEntry.objects.count() - entries_before
                    started = time.perf_counter()
                    replay_seconds, replay_statuses = _post_all(hook, events, started)
                    replay_processed_seconds, replay_waiting = _wait_processed(started)
                    replay_entries = JournalEntry.objects.count() - entries_before - entries
            finally:
                worker.terminate()
                worker.wait(60)
            stack.__exit__(None, None, None)
        finally:
            peer.terminate()
            peer.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_raw_event")
            (raw_rows,) = cursor.fetchone()
    finally:
        from core.embedded_broker_transport import Channel

        for engine, _session in Channel._engines.values():
            engine.dispose()
        from django.db import connections

        for conn in connections.all():
            conn.close()
            if hasattr(conn, "close_pool"):
                conn.close_pool()
        teardown_databases(old_config, verbosity=0)
    baseline_rate = len(events) / baseline_seconds
    fanfare_rate = len(events) / fanfare_seconds
    processed_rate = (len(events) - waiting) / processed_seconds
    return {
        "name": "webhooks",
        "events": len(events),
        "clients": CLIENTS,
        "minimal_receiver": {
            "seconds": round(baseline_seconds, 2),
            "events_per_second": round(baseline_rate, 1),
            "statuses": baseline_statuses,
            "rows": raw_rows,
        },
        "fanfare": {
            "broker": broker_url.split(":", 1)[0],
            "acknowledged_seconds": round(fanfare_seconds, 2),
            "acknowledged_events_per_second": round(fanfare_rate, 1),
            "statuses": fanfare_statuses,
            "processed_seconds": round(processed_seconds, 2),
            "processed_events_per_second": round(processed_rate, 1),
            "not_processed_at_timeout": waiting,
            "ledger_entries": entries,
            "ledger_entries_per_second": round(entries / processed_seconds, 1),
        },
        "ratio_acknowledged": round(fanfare_rate / baseline_rate, 3),
        "ratio_processed": round(processed_rate / baseline_rate, 3),
        "target_ratio": 0.25,
        "replay": {
            "statuses": replay_statuses,
            "acknowledged_seconds": round(replay_seconds, 2),
            "processed_seconds": round(replay_processed_seconds, 2),
            "not_processed_at_timeout": replay_waiting,
            "new_entries": replay_entries,
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
