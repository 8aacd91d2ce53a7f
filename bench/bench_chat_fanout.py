"""Chat fan-out over real sockets: N clients in one room receive M messages per second.

Fanfare's chat (``/ws/streams/<id>/chat/`` under uvicorn, one process, the in-memory channel
layer; and with Redis when ``BENCH_CHAT_REDIS_URL`` is set) against a minimal broadcast server
written with the ``websockets`` library (``bench/baseline_chat_server.py``), serving the same
clients in the same run. Servers run in subprocesses; the clients (all in this process, on one
asyncio loop) and one sender (the streamer, signed in: exempt from the rate limit) connect to
each in turn. Each message embeds its send time; a client notes the delay when it arrives.

Settings: ``BENCH_CHAT_CLIENTS`` (2000), ``BENCH_CHAT_RATE`` (5 messages/s),
``BENCH_CHAT_SECONDS`` (10). The database is a throwaway one (``bench_fanfare``), dropped after.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import websockets
from django.conf import settings
from django.test.utils import setup_databases, teardown_databases

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("BENCH_CHAT_CLIENTS", "2000"))
RATE = float(os.environ.get("BENCH_CHAT_RATE", "5"))
SECONDS = float(os.environ.get("BENCH_CHAT_SECONDS", "10"))
CONNECT_CONCURRENCY = 50


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, CLIENTS * 2 + 1000))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _start(args: list[str], port: int, env: dict | None = None) -> subprocess.Popen:
    def raise_limit():
        _raise_fd_limit()

    process = subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT,
        env={**os.environ, "DEBUG": "false", "CONN_MAX_AGE": "600", **(env or {})},
        preexec_fn=raise_limit,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    import socket

    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None:
            raise RuntimeError(f"server {args} exited")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server {args} did not start")


async def _measure(url: str, cookie: str | None) -> dict:
    # The clients' own garbage collection must not show up as the server's delay: the process that
    # runs them collects what the previous run left (2,000 closed sockets) and then pauses its
    # collector while it measures, for every server alike.
    gc.collect()
    gc.disable()
    try:
        return await _measure_clients(url, cookie)
    finally:
        gc.enable()


async def _measure_clients(url: str, cookie: str | None) -> dict:
    latencies: list[float] = []
    first_arrival: dict[int, float] = {}  # per message: its fastest delivery (the send path's cost)
    received = [0]
    last_arrival = [0.0]
    ready = asyncio.Event()
    sockets = []
    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one():
        async with semaphore:
            socket = await websockets.connect(url, origin="http://127.0.0.1", max_queue=None, ping_interval=None)
            await socket.recv()  # welcome
            sockets.append(socket)

    async def listen(socket):
        try:
            async for frame in socket:
                event = json.loads(frame)
                if event.get("type") != "message":
                    continue
                now = time.time()
                seq, sent = event["message"]["text"].split()
                latencies.append(now - float(sent))
                if int(seq) not in first_arrival:
                    first_arrival[int(seq)] = now - float(sent)
                received[0] += 1
                last_arrival[0] = now
        except websockets.ConnectionClosed:
            pass

    started = time.perf_counter()
    await asyncio.gather(*(open_one() for _ in range(CLIENTS)))
    connect_seconds = time.perf_counter() - started
    listeners = [asyncio.create_task(listen(s)) for s in sockets]
    headers = {"Cookie": cookie} if cookie else None
    sender = await websockets.connect(url, origin="http://127.0.0.1", additional_headers=headers, ping_interval=None)
    await sender.recv()
    ready.set()
    total = int(RATE * SECONDS)
    first_send = time.time()
    for seq in range(total):
        target = first_send + seq / RATE
        await asyncio.sleep(max(0.0, target - time.time()))
        await sender.send(json.dumps({"type": "message", "text": f"{seq} {time.time():.6f}"}))
    # Let the last messages arrive (up to 10 s).
    expected = total * CLIENTS
    deadline = time.time() + 10
    while received[0] < expected and time.time() < deadline:
        await asyncio.sleep(0.05)
    elapsed = (last_arrival[0] or time.time()) - first_send
    for socket in [*sockets, sender]:
        await socket.close()
    for task in listeners:
        task.cancel()
    latencies.sort()
    firsts = sorted(first_arrival.values())
    return {
        "clients": len(sockets),
        "messages": total,
        "connect_seconds": round(connect_seconds, 1),
        "deliveries": received[0],
        "lost": expected - received[0],
        "deliveries_per_second": round(received[0] / elapsed) if elapsed > 0 else 0,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "first_delivery_p50_ms": round(statistics.median(firsts) * 1000, 1) if firsts else None,
    }


def _fanfare_fixture() -> tuple[str, str]:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from streaming.models import LiveStream

    owner = User.objects.create_user(
        email="bench-streamer@example.com", handle="bench_streamer", password=secrets.token_urlsafe(16)
    )
    owner.email_verified_at = timezone.now()
    owner.save(update_fields=["email_verified_at"])
    stream = LiveStream.objects.create(
        owner=owner, title="Bench", stream_key=secrets.token_urlsafe(24), status="live", started_at=timezone.now()
    )
    client = Client()
    client.force_login(owner)
    return str(stream.pk), f"sessionid={client.cookies['sessionid'].value}"


def _run_fanfare(stream_id: str, cookie: str, database: str, env: dict | None = None) -> dict:
    port = free_port()
    args = ["bench.chat_server", str(port), database]
    if os.environ.get("BENCH_CHAT_PROFILE"):  # a cProfile of the Fanfare server, for finding hot spots
        args = ["cProfile", "-o", os.environ["BENCH_CHAT_PROFILE"], "-m", *args]
    server = _start(args, port, env)
    try:
        return asyncio.run(_measure(f"ws://127.0.0.1:{port}/ws/streams/{stream_id}/chat/", cookie))
    finally:
        server.send_signal(signal.SIGINT)  # uvicorn exits cleanly (and a profile is written)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def _run_baseline() -> dict:
    port = free_port()
    server = _start(["bench.baseline_chat_server", str(port)], port)
    try:
        return asyncio.run(_measure(f"ws://127.0.0.1:{port}/", None))
    finally:
        server.terminate()
        server.wait(10)


def run() -> dict:
    _raise_fd_limit()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_fanfare"
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from django.db import connection

        stream_id, cookie = _fanfare_fixture()
        database = connection.settings_dict["NAME"]
        baseline = _run_baseline()
        fanfare = _run_fanfare(stream_id, cookie, database)
        result = {
            "name": "chat_fanout",
            "clients": CLIENTS,
            "rate_per_second": RATE,
            "seconds": SECONDS,
            "baseline_websockets": baseline,
            "fanfare_in_memory_layer": fanfare,
            "ratio_deliveries_per_second": round(
                fanfare["deliveries_per_second"] / max(1, baseline["deliveries_per_second"]), 3
            ),
        }
        redis_url = os.environ.get("BENCH_CHAT_REDIS_URL", "")
        if redis_url:
            from streaming.models import LiveStream

            LiveStream.objects.filter(pk=stream_id).update(status="ended")
            stream_id, _ = _second_stream(stream_id)
            result["fanfare_redis_layer"] = _run_fanfare(
                stream_id, cookie, database, {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": "bench"}
            )
        return result
    finally:
        teardown_databases(old_config, verbosity=0)


def _second_stream(previous_id: str) -> tuple[str, None]:
    from django.utils import timezone

    from streaming.models import LiveStream

    owner = LiveStream.all_objects.get(pk=previous_id).owner
    stream = LiveStream.objects.create(
        owner=owner, title="Bench (Redis)", stream_key=secrets.token_urlsafe(24), status="live",
        started_at=timezone.now(),
    )  # fmt: skip
    return str(stream.pk), None
