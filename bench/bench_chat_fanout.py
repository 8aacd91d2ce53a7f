"""Chat fan-out over real sockets: N clients in one room; the room's capacity, the time to
connect them and the server's memory, against a minimal ``websockets`` broadcast server.

Fanfare's chat (``/ws/streams/<id>/chat/``) runs as production runs it: the production settings
and the production server command (``PRODUCTION_SERVER``: uvicorn's defaults, so
permessage-deflate is offered, no garbage-collector tuning), one worker with the in-memory
channel layer; and with Redis when ``BENCH_CHAT_REDIS_URL`` is set. The baseline is a minimal
broadcast server written with the ``websockets`` library (``bench/baseline_chat_server.py``,
also with its defaults: permessage-deflate on), serving the same clients in the same run. The
clients (all in this process, on one asyncio loop, offering permessage-deflate as browsers do)
and one sender (the streamer, signed in: exempt from the rate limit) connect to each in turn.

For each server: the time to connect ``BENCH_CHAT_CLIENTS`` (2000) sockets (50 handshakes at a
time, each until its welcome frame), the server's resident memory with them connected, then a
step search over message rates (``BENCH_CHAT_RATES``: 0.5, 1, 2, 3, 4, 5, 7, 10, 14, 20, 28, 40,
56, 80 messages/s, each for ``BENCH_CHAT_SECONDS``, 10): the capacity is the highest rate at
which every message reached every socket with p99 delay at most ``BENCH_CHAT_P99_MS`` (200). A
rate that fails is tried once more after the room drained; the search stops at the first rate
that fails twice. Each message embeds its send
time; a client notes the delay when it arrives. The database is a throwaway one
(``bench_fanfare``), dropped after.

``BENCH_CHAT_PORTS=8510,8511``: the baseline's and Fanfare's ports (free ones otherwise).
``BENCH_CHAT_COMPARE_ROOT=/path/to/other/checkout``: an A/B run: the Fanfare server is started
first from that checkout's code (same settings, same database, a stream of its own) and then
from this one, reported as ``fanfare_compare`` beside ``fanfare_in_memory_layer``.
"""

from __future__ import annotations

import asyncio
import collections
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

import psutil
import websockets
from django.conf import settings
from django.test.utils import setup_databases, teardown_databases
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.typing import Origin
from websockets.uri import parse_uri

from bench import bench_load
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("BENCH_CHAT_CLIENTS", "2000"))
# Message rates tried in turn (each for BENCH_CHAT_SECONDS); the capacity is the highest one
# with p99 <= BENCH_CHAT_P99_MS and nothing lost. A failed rate is tried once more; the search
# stops at the first rate that fails twice. The steps start low enough for a loaded machine.
RATES = [float(r) for r in os.environ.get("BENCH_CHAT_RATES", "0.5,1,2,3,4,5,7,10,14,20,28,40,56,80").split(",") if r]
P99_TARGET_MS = float(os.environ.get("BENCH_CHAT_P99_MS", "200"))
# The production server's command (README.md, "Production"; what `make run` starts), one worker:
# the in-memory channel layer lives in one process.
PRODUCTION_SERVER = bench_load.PRODUCTION_SERVER
SECONDS = float(os.environ.get("BENCH_CHAT_SECONDS", "10"))
CONNECT_CONCURRENCY = 50
# The servers' ports (the baseline's, then Fanfare's); free ones when unset.
PORTS = [int(p) for p in os.environ.get("BENCH_CHAT_PORTS", "").split(",") if p]


def _port(index: int) -> int:
    return PORTS[index] if len(PORTS) > index else free_port()


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, CLIENTS * 2 + 1000))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _start(args: list[str], port: int, env: dict | None = None, root: Path = ROOT) -> subprocess.Popen:
    def raise_limit():
        _raise_fd_limit()

    process = subprocess.Popen(
        [sys.executable, "-m", *args], cwd=root,
        env={**os.environ, **(env or {})},
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


async def _measure(url: str, cookie: str | None, server_pid: int) -> dict:
    # The clients' own garbage collection must not show up as the server's delay: the process that
    # runs them collects what the previous run left (2,000 closed sockets) and then pauses its
    # collector while it measures, for every server alike.
    gc.collect()
    gc.disable()
    try:
        return await _measure_clients(url, cookie, server_pid)
    finally:
        gc.enable()


def _rss_mb(pid: int) -> float:
    process = psutil.Process(pid)
    return round(sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20, 1)


class _Listener(asyncio.Protocol):
    """One listening client on websockets' sans-I/O protocol, offering permessage-deflate as the
    library's asyncio client (and browsers) do: each frame is handled as it is read.

    The clients were ``websockets.connect`` sockets, each read by a task of its own: every frame
    woke that socket's task and went through the library's message assembly, about twice the CPU
    a frame of this. With 2,000 sockets the client process, one core at most, hit its limit
    before either server did (0.9 to 0.95 of a core at 10 messages/s for both, 2026-12-07), so the
    capacity measured was the client's."""

    def __init__(self, url: str, on_text) -> None:
        loop = asyncio.get_running_loop()
        self.protocol = ClientProtocol(
            parse_uri(url),
            origin=Origin("http://127.0.0.1"),
            extensions=enable_client_permessage_deflate(None),
            max_size=None,
        )
        self.on_text = on_text
        self.welcome = loop.create_future()
        self.lost = loop.create_future()
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if not isinstance(event, Frame):  # the handshake's response
                if self.protocol.handshake_exc is not None and not self.welcome.done():
                    self.welcome.set_exception(self.protocol.handshake_exc)
                continue
            if event.opcode is not Opcode.TEXT:
                continue  # pings are answered by the protocol; a close ends the state
            if not event.fin:
                raise RuntimeError("the servers send whole messages; a fragment was not expected")
            text = event.data.decode()
            if not self.welcome.done():
                self.welcome.set_result(text)
            else:
                self.on_text(text)
        self._flush()

    def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:  # the protocol asks for the TCP connection's end
                self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.welcome.done():
            self.welcome.set_exception(ConnectionError("closed before the welcome"))
        if not self.lost.done():
            self.lost.set_result(None)

    @property
    def open(self) -> bool:
        return self.protocol.state is websockets.protocol.State.OPEN and not self.lost.done()

    def close(self) -> None:
        if self.protocol.state is websockets.protocol.State.OPEN:
            self.protocol.send_close(1000)
            self._flush()
        self.transport.close()


async def _measure_clients(url: str, cookie: str | None, server_pid: int) -> dict:
    state = {"step": -1, "latencies": [], "received": 0, "firsts": {}}
    sockets: list[_Listener] = []
    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)
    memory_before = _rss_mb(server_pid)
    loop = asyncio.get_running_loop()
    host, port = parse_uri(url).host, parse_uri(url).port

    def on_text(text: str) -> None:
        event = json.loads(text)
        if event.get("type") != "message":
            return
        now = time.time()
        step, seq, sent = event["message"]["text"].split()
        if int(step) != state["step"]:
            return  # a straggler of an earlier step
        delay = now - float(sent)
        state["latencies"].append(delay)
        state["firsts"].setdefault(int(seq), delay)
        state["received"] += 1

    async def open_one():
        async with semaphore:
            _, socket = await loop.create_connection(lambda: _Listener(url, on_text), host, port)
            await socket.welcome
            sockets.append(socket)

    started = time.perf_counter()
    await asyncio.gather(*(open_one() for _ in range(CLIENTS)))
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1)
    memory = _rss_mb(server_pid)
    headers = {"Cookie": cookie} if cookie else None
    sender = await websockets.connect(url, origin="http://127.0.0.1", additional_headers=headers, ping_interval=None)
    await sender.recv()
    # The sender reads what it is sent too (each message comes back to it as a room event): a
    # sender that never read stopped answering the server's keep-alive pings once its queue was
    # full, and the server closed it mid-search (uvicorn: after about 40 s).
    sender_frames: collections.deque = collections.deque(maxlen=3)

    async def sender_reader():
        try:
            async for frame in sender:
                sender_frames.append(str(frame)[:300])
        except websockets.ConnectionClosed as error:
            sender_frames.append(repr(error)[:300])

    sender_task = asyncio.create_task(sender_reader())

    async def step(index: int, rate: float) -> dict:
        state.update(step=index, latencies=[], received=0, firsts={})
        total = max(int(rate * SECONDS), 1)
        first_send = time.time()
        for seq in range(total):
            target = first_send + seq / rate
            await asyncio.sleep(max(0.0, target - time.time()))
            await sender.send(json.dumps({"type": "message", "text": f"{index} {seq} {time.time():.6f}"}))
        # Let the last messages arrive (up to 10 s).
        expected = total * len(sockets)
        deadline = time.time() + 10
        while state["received"] < expected and time.time() < deadline:
            await asyncio.sleep(0.05)
        latencies = sorted(state["latencies"])
        firsts = sorted(state["firsts"].values())
        result = {
            "messages_per_second": rate,
            "deliveries_per_second": round(state["received"] / SECONDS),
            "lost": expected - state["received"],
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000, 1) if latencies else None,
            "first_delivery_p50_ms": round(statistics.median(firsts) * 1000, 1) if firsts else None,
            "open_sockets": sum(1 for s in sockets if s.open),
        }
        if not state["received"]:  # say why: the sender's last frames (an error event, say)
            await asyncio.sleep(1)
            result["sender_replies"] = list(sender_frames)
        result["passed"] = not result["lost"] and result["p99_ms"] is not None and result["p99_ms"] <= P99_TARGET_MS
        return result

    # The step search: each rate in turn, upwards; the capacity is the highest that passed (p99 <=
    # BENCH_CHAT_P99_MS, nothing lost). A failed step is run once more after the room has drained
    # (the machine is shared: one other process's burst must not end the search), unless sockets
    # were closed (then every later step would lose their deliveries too); the search stops at the
    # first rate that fails twice.
    steps, capacity, index = [], None, 0
    for rate in RATES:
        for attempt in (1, 2):
            result = {**await step(index, rate), "attempt": attempt}
            index += 1
            steps.append(result)
            if result["passed"] or attempt == 2 or result["open_sockets"] < len(sockets):
                break
            await asyncio.sleep(3)  # the last step's stragglers arrive and are ignored
        if not result["passed"]:
            break
        capacity = rate
        await asyncio.sleep(1)
    for socket in sockets:
        socket.close()
    await sender.close()
    sender_task.cancel()
    return {
        "clients": len(sockets),
        "connect_seconds": round(connect_seconds, 2),
        "server_rss_mb_idle": memory_before,
        "server_rss_mb_with_clients": memory,
        "capacity_messages_per_second": capacity,
        "capacity_deliveries_per_second": round(capacity * len(sockets)) if capacity else None,
        "steps": steps,
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


def _run_fanfare(stream_id: str, cookie: str, database: str, env: dict | None = None, root: Path = ROOT) -> dict:
    port = _port(1)
    args = [*PRODUCTION_SERVER, "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    if os.environ.get("BENCH_CHAT_PROFILE"):  # a cProfile of the Fanfare server, for finding hot spots
        args = ["cProfile", "-o", os.environ["BENCH_CHAT_PROFILE"], "-m", *args]
    from bench.bench_load import _production_env

    # The sender's session cookie is signed with the key the fixture used.
    server = _start(args, port, {**_production_env(database, settings.SECRET_KEY), **(env or {})}, root)
    try:
        return asyncio.run(_measure(f"ws://127.0.0.1:{port}/ws/streams/{stream_id}/chat/", cookie, server.pid))
    finally:
        server.send_signal(signal.SIGINT)  # uvicorn exits cleanly (and a profile is written)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def _run_baseline() -> dict:
    port = _port(0)
    server = _start(["bench.baseline_chat_server", str(port)], port)
    try:
        return asyncio.run(_measure(f"ws://127.0.0.1:{port}/", None, server.pid))
    finally:
        server.terminate()
        server.wait(10)


def _ratios(fanfare: dict, baseline: dict) -> dict:
    def ratio(a, b):
        return round(a / b, 2) if a is not None and b else None

    return {
        "connect_time_ratio": ratio(fanfare["connect_seconds"], baseline["connect_seconds"]),
        "memory_ratio": ratio(fanfare["server_rss_mb_with_clients"], baseline["server_rss_mb_with_clients"]),
        "capacity_ratio": ratio(fanfare["capacity_messages_per_second"] or 0, baseline["capacity_messages_per_second"]),
    }


def run() -> dict:
    _raise_fd_limit()
    settings.SECRET_KEY = secrets.token_urlsafe(64)  # production's rules: 50 random characters or more
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_fanfare"
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from django.db import connection

        stream_id, cookie = _fanfare_fixture()
        database = connection.settings_dict["NAME"]
        baseline = _run_baseline()
        compare_root = os.environ.get("BENCH_CHAT_COMPARE_ROOT")
        compare = None
        if compare_root:  # A/B: another checkout's code first (same database, same minute)
            compare = _run_fanfare(stream_id, cookie, database, root=Path(compare_root))
            from streaming.models import LiveStream

            LiveStream.objects.filter(pk=stream_id).update(status="ended")
            stream_id, _ = _second_stream(stream_id)
        fanfare = _run_fanfare(stream_id, cookie, database)
        result = {
            "name": "chat_fanout",
            "clients": CLIENTS,
            "rates": RATES,
            "seconds_per_rate": SECONDS,
            "p99_target_ms": P99_TARGET_MS,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "baseline_websockets": baseline,
            "fanfare_in_memory_layer": fanfare,
            **_ratios(fanfare, baseline),
        }
        if compare is not None:
            result["fanfare_compare"] = {"root": compare_root, **compare, **_ratios(compare, baseline)}
        redis_url = os.environ.get("BENCH_CHAT_REDIS_URL", "")
        if redis_url:
            from streaming.models import LiveStream

            LiveStream.objects.filter(pk=stream_id).update(status="ended")
            stream_id, _ = _second_stream(stream_id)
            result["fanfare_redis_layer"] = _run_fanfare(
                stream_id, cookie, database, {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": "bench"}
            )
            result["redis_layer_ratios"] = _ratios(result["fanfare_redis_layer"], baseline)
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
