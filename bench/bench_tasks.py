"""Task throughput and latency: the embedded broker against Redis, same worker, same run.

In a throwaway database (``bench_fanfare``, dropped at the end), for each broker (the embedded
one on that database, then Redis at ``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/14,
skipped when it does not answer) one worker process is started as ``make run`` starts it
(``--pool threads --concurrency 2``), then:

- ``noop``: ``BENCH_TASKS_NOOP`` (5,000) no-op tasks are sent as fast as one client can; each
  records when it started. Tasks/s from the first send to the last start; enqueue-to-start
  p50/p99.
- ``notify``: ``BENCH_TASKS_NOTIFY`` (500) notifications through ``notify()`` (each its own
  transaction, its email task through the outbox), delivered by the worker to files. Deliveries/s
  from the first notify to the last delivery; notify-to-delivered p50/p99 (the delivery attempt's
  time minus the notification's).

Each phase stops after ``BENCH_TASKS_TIMEOUT`` (180) seconds and reports what was done by then.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

NOOP = int(os.environ.get("BENCH_TASKS_NOOP", "5000"))
NOTIFY = int(os.environ.get("BENCH_TASKS_NOTIFY", "500"))
TIMEOUT = float(os.environ.get("BENCH_TASKS_TIMEOUT", "180"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def _redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


def _use_broker(url: str) -> None:
    from config.celery import app

    app.conf.broker_url = url
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare("celery", durable=True, auto_delete=False)
        conn.default_channel.queue_purge("celery")


def _start_worker(url: str, workdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "CELERY_BROKER_URL": url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(workdir / "mail"),
        "BENCH_TASKS_LOG": str(workdir / "noop.log"),
    }
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    else:
        env["EMBEDDED_DB_NAME"] = connection.settings_dict["NAME"]
    log = (workdir / "worker.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads", "--concurrency", "2",
         "--include", "bench.tasks_probe", "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait_worker() -> None:
    from core.models import WorkerHeartbeat

    deadline = time.monotonic() + 60
    while not WorkerHeartbeat.objects.filter(kind="worker").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the benchmark's worker did not start")
        time.sleep(0.2)


def _noop_phase(workdir: Path) -> dict:
    from bench.tasks_probe import noop

    log = workdir / "noop.log"
    started = time.time()
    for _ in range(NOOP):
        noop.apply_async((time.time(),))
    sent_seconds = time.time() - started
    deadline = time.monotonic() + TIMEOUT
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= NOOP:
            break
        time.sleep(0.2)
    waits = [float(line.split()[0]) for line in lines]
    last_start = max((float(line.split()[1]) for line in lines), default=started)
    return {
        "tasks": NOOP,
        "done": len(lines),
        "send_seconds": round(sent_seconds, 2),
        "tasks_per_second": round(len(lines) / (last_start - started), 1) if lines else 0,
        "enqueue_to_start_ms": {"p50": _pct(waits, 0.5), "p99": _pct(waits, 0.99)},
    }


def _notify_phase(users: list) -> dict:
    from notifications.models import DeliveryAttempt, Notification
    from notifications.services import notify

    actor, recipients = users[0], users[1 : NOTIFY + 1]
    started = time.time()
    for recipient in recipients:
        notify(recipient=recipient, kind="comment", actor=actor, target=recipient)
    attempts = DeliveryAttempt.objects.filter(channel="email", status="sent")
    deadline = time.monotonic() + TIMEOUT
    while attempts.count() < NOTIFY and time.monotonic() < deadline:
        time.sleep(0.5)
    created = dict(Notification.objects.values_list("pk", "created_at"))
    done = list(attempts.values_list("notification_id", "created_at"))
    waits = [(at - created[nid]).total_seconds() for nid, at in done]
    last = max((at for _, at in done), default=None)
    return {
        "deliveries": NOTIFY,
        "done": len(done),
        "deliveries_per_second": round(len(done) / (last.timestamp() - started), 1) if last else 0,
        "notify_to_delivered_ms": {"p50": _pct(waits, 0.5), "p99": _pct(waits, 0.99)},
    }


def _run_broker(name: str, url: str, users: list) -> dict:
    from core.models import WorkerHeartbeat
    from notifications.models import DeliveryAttempt, Notification

    Notification.objects.all().delete()
    DeliveryAttempt.objects.all().delete()
    WorkerHeartbeat.objects.all().delete()
    with tempfile.TemporaryDirectory(prefix="bench-tasks-") as tmp:
        workdir = Path(tmp)
        _use_broker(url)
        worker = _start_worker(url, workdir)
        try:
            _wait_worker()
            return {"broker": name, "noop": _noop_phase(workdir), "notify": _notify_phase(users)}
        finally:
            worker.kill()
            worker.wait(timeout=30)


def run() -> dict:
    from accounts.models import User
    from core.embedded_broker import broker_url_for

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_fanfare"
    old_config = setup_databases(verbosity=0, interactive=False)
    results = []
    try:
        users = User.objects.bulk_create(
            [User(email=f"taskbench{i}@example.com", handle=f"taskbench_{i:05d}") for i in range(NOTIFY + 1)]
        )
        results.append(_run_broker("embedded", broker_url_for(connection.settings_dict), users))
        if _redis_answers(REDIS_URL):
            results.append(_run_broker("redis", REDIS_URL, users))
        else:
            results.append({"broker": "redis", "skipped": f"nothing answers at {REDIS_URL}"})
    finally:
        from core.embedded_broker_transport import Channel

        for engine, _session in Channel._engines.values():
            engine.dispose()
        teardown_databases(old_config, verbosity=0)
    return {"name": "tasks", "load_average": [round(x, 2) for x in os.getloadavg()], "brokers": results}
