"""Component checks behind ``/healthz``: each says whether one dependency answers, and how fast."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from core.ids import uuid7

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    up: bool
    latency_ms: float
    backend: str
    error: str = ""
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        body = {"status": "up" if self.up else "down", "backend": self.backend, "latency_ms": self.latency_ms}
        if self.error:
            body["error"] = self.error
        return body | self.details


def _timed(name: str, backend: str, check) -> ComponentHealth:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # noqa: BLE001 - any failure means the component is down
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        # The class name only: messages can carry hosts and credentials.
        return ComponentHealth(name, False, elapsed, backend, type(error).__name__)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return ComponentHealth(name, True, elapsed, backend)


def check_database() -> ComponentHealth:
    connection = connections["default"]

    def probe():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    embedded = getattr(settings, "POSTGRES_EXTRA_DB_BACKEND_BASE", "") == "core.embedded_backend"
    backend = "embedded-postgresql" if embedded else "postgresql"
    result = _timed("database", backend, probe)
    if not result.up:
        # Drop the broken connection so the next request reconnects instead of reusing it.
        connection.close_if_unusable_or_obsolete()
    return result


def check_cache() -> ComponentHealth:
    key = f"healthz:{uuid7().hex}"

    def probe():
        cache.set(key, "1", timeout=10)
        if cache.get(key) != "1":
            raise RuntimeError("cache did not return the value it stored")
        cache.delete(key)

    return _timed("cache", settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1], probe)


def check_channel_layer() -> ComponentHealth:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    async def roundtrip():
        channel = await layer.new_channel("healthz.")
        await layer.send(channel, {"type": "healthz.ping"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=CHECK_TIMEOUT_SECONDS)
        if message.get("type") != "healthz.ping":
            raise RuntimeError("channel layer returned another message")

    return _timed("channel_layer", type(layer).__name__, async_to_sync(roundtrip))


def check_broker() -> ComponentHealth:
    from config.celery import app

    def probe():
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as connection:
            connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)

    return _timed("broker", settings.CELERY_BROKER_URL.split(":", 1)[0].split("+", 1)[0], probe)


def _background(name: str, kind: str) -> ComponentHealth:
    """Up while a process of ``kind`` (worker or beat) wrote its heartbeat within
    ``TASKS_WORKER_LOST_SECONDS``; the workers' component also says how long the oldest task
    enqueued through the outbox has been waiting and how many wait or failed."""
    from core.task_status import background_summary

    details: dict = {}

    def probe():
        summary = background_summary()
        details.update(summary[kind])
        if details["last_heartbeat_age_seconds"] is None:
            raise RuntimeError("no heartbeat")
        if details["last_heartbeat_age_seconds"] > settings.TASKS_WORKER_LOST_SECONDS:
            raise RuntimeError("heartbeat too old")

    result = _timed(name, "celery", probe)
    if not result.up and details:
        return ComponentHealth(name, False, result.latency_ms, "celery", "no recent heartbeat", details)
    return ComponentHealth(name, result.up, result.latency_ms, "celery", result.error, details)


def check_worker() -> ComponentHealth:
    return _background("worker", "worker")


def check_scheduler() -> ComponentHealth:
    return _background("scheduler", "beat")


def platform_health() -> tuple[bool, bool, dict]:
    """(database_up, everything_up, body) for the health endpoint."""
    checks = [check_database(), check_cache(), check_channel_layer()]
    if settings.CELERY_BROKER_URL:
        checks.append(check_broker())
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks += [check_worker(), check_scheduler()]
    database_up = checks[0].up
    all_up = all(check.up for check in checks)
    status = "ok" if all_up else ("degraded" if database_up else "down")
    body = {"status": status, "components": {check.name: check.as_dict() for check in checks}}
    return database_up, all_up, body
