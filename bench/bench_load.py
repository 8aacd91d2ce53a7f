"""Capacity of the hot read endpoints: an open-loop load at a fixed offered rate, against the
production server, beside a bare ASGI app serving responses of the same size on the same server.

What users feel is latency under load, so the client is open loop: request ``i`` is due at
``start + i / rate`` whatever happened to the ones before, and its latency counts from that
scheduled start (a server that falls behind shows its queue in the latency, instead of slowing
the client down as a closed loop would). The first ``BENCH_LOAD_WARMUP`` seconds of every run
are sent but not counted. The client keeps a pool of kept-alive HTTP/1.1 connections (up to
``BENCH_LOAD_CONNECTIONS``, 256), written with asyncio streams on uvloop so that it costs the
shared machine as little CPU as it can.

The server is started as the production instructions in README.md say (``PRODUCTION_SERVER``
below: ``config.settings.production``, ``uvicorn --workers 2``, DEBUG off, the connection
pool on), against the bench network of ``manage.py seed_bench`` (``bench/bench_home_feed.py``
prepares it: same ``BENCH_FEED_*`` sizes and database) plus a few live streams and the viewer's
notifications (``bench/hot_endpoints.py``). Requests carry ``X-Forwarded-Proto: https`` as a
TLS-terminating load balancer would send them. The baseline (``bench/baseline_app.py``) is the
same uvicorn command serving, for each endpoint's path, a body of the size Fanfare answered.

For each endpoint (``bench.hot_endpoints``; ``BENCH_LOAD_ENDPOINTS=home,videos`` picks some):

- a run at ``BENCH_LOAD_RATE`` (300) requests/s for ``BENCH_LOAD_SECONDS`` (60) s;
- a step search (``BENCH_LOAD_STEPS``, a list of rates, each ``BENCH_LOAD_STEP_SECONDS`` (15)
  s): the highest rate whose p99 is at most ``BENCH_LOAD_P99_MS`` (100) with no errors; the
  search stops at the first step that fails.

Each run reports the achieved rate (answers per second over the measured window), p50, p95,
p99 and max latency, errors, and the server's CPU time per answered request (uvicorn's
processes, from psutil) and PostgreSQL's (the embedded server's processes). A run whose oldest
waiting request is ``BENCH_LOAD_GIVE_UP`` (5) s late stops early and is reported as saturated
(what was answered until then counts; what was not is counted as ``unanswered`` errors), and
the next run waits until the server is idle again (it goes on working through what it was
sent). CPU per request is over the whole run, warm-up included, and not given for a saturated run.
The machine's load average is reported with the figures: on a shared machine they are not
representative, and the report says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import psutil

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
RATE = float(os.environ.get("BENCH_LOAD_RATE", "300"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WARMUP = float(os.environ.get("BENCH_LOAD_WARMUP", "5"))
STEP_SECONDS = float(os.environ.get("BENCH_LOAD_STEP_SECONDS", "15"))
STEPS = [float(r) for r in os.environ.get("BENCH_LOAD_STEPS", "50,100,150,200,300,400,500,700,1000").split(",") if r]
P99_TARGET_MS = float(os.environ.get("BENCH_LOAD_P99_MS", "100"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "256"))
GIVE_UP_SECONDS = float(os.environ.get("BENCH_LOAD_GIVE_UP", "5"))
# Every request ends within this many seconds of its start, answered or counted as an error
# ("timeout"): waiting for a connection from the pool, connecting, sending, reading, and the
# resends on stale kept-alive connections all count. No run can wait on anything without a bound.
REQUEST_TIMEOUT = float(os.environ.get("BENCH_LOAD_REQUEST_TIMEOUT", "30"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "2"))
ONLY = [name for name in os.environ.get("BENCH_LOAD_ENDPOINTS", "").split(",") if name]
SKIP_STEPS = os.environ.get("BENCH_LOAD_NO_STEPS", "") not in ("", "0", "false")

# The production instructions (README.md, "Production"): these options and nothing else.
PRODUCTION_SERVER = [
    "uvicorn",
    "--lifespan",
    "off",
    "--ws",
    "core.websocket_protocol:WebSocketProtocol",
    "--proxy-headers",
    "--no-access-log",
]


# ---------------------------------------------------------------------------------------------
# The servers
# ---------------------------------------------------------------------------------------------


def _production_env(database: str, secret_key: str | None = None) -> dict:
    from django.conf import settings

    from core.embedded_db import PORT, SUPERUSER, socket_dir_for

    socket_dir = socket_dir_for(settings.EMBEDDED_PGDATA)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "DATABASE_", "CONN_MAX_AGE", "EMBEDDED_", "LOG_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secret_key or secrets.token_urlsafe(64),
            "DATABASE_URL": f"postgres://{SUPERUSER}@/{database}?host={socket_dir}&port={PORT}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            # Production requires Stripe's keys; the pages measured never call Stripe.
            "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or "sk_test_" + "BenchLoadNeverCalled0000",
            "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or "whsec_bench_load_never_used",
        }
    )
    if os.environ.get("BENCH_LOAD_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_LOAD_REDIS_URL"]
    # For experiments only (the figures in bench/README.md are without it): NAME=VALUE,NAME=VALUE.
    for pair in filter(None, os.environ.get("BENCH_LOAD_SERVER_ENV", "").split(",")):
        name, _, value = pair.partition("=")
        env[name] = value
    return env


def _start(app: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", *PRODUCTION_SERVER, app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(WORKERS)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{app} exited with {process.returncode}")
        if _answers_http(port):
            time.sleep(1.0 if WORKERS > 1 else 0.2)  # let every worker come up
            return process, port
        time.sleep(0.2)
    _stop(process)
    raise RuntimeError(f"{app} did not start")


def _answers_http(port: int) -> bool:
    """Whether a worker answers HTTP on ``port``: an accepted TCP connection is not enough (the
    supervisor's socket accepts before any worker serves, and a probe from a port next to a free one
    can connect to itself)."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
            if probe.getsockname() == probe.getpeername():
                return False
            probe.sendall(b"GET /bench-load-probe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return probe.recv(12).startswith(b"HTTP/1.1 ")
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and every worker it started. uvicorn's supervisor waits for its workers,
    which finish what they were sent first; after 15 s the whole process group is killed (killing
    the supervisor alone left its workers running, still holding their connections)."""
    import signal

    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    with contextlib.suppress(ProcessLookupError):  # its own group (start_new_session): workers left behind
        os.killpg(process.pid, signal.SIGKILL)


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _server_processes(process: subprocess.Popen) -> list[psutil.Process]:
    parent = psutil.Process(process.pid)
    return [parent, *parent.children(recursive=True)]


def _postgres_processes() -> list[psutil.Process]:
    from django.conf import settings

    pid_file = Path(settings.EMBEDDED_PGDATA) / "postmaster.pid"
    try:
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        return [postmaster, *postmaster.children(recursive=True)]
    except (OSError, ValueError, psutil.Error):
        return []


# ---------------------------------------------------------------------------------------------
# The open-loop client
# ---------------------------------------------------------------------------------------------


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.used = 0  # answers read on it: a used one may have been closed by the server's keep-alive timeout

    async def get(self, request: bytes) -> tuple[int, int]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, chunked = None, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if length is not None:
            body = await self.reader.readexactly(length)
            self.used += 1
            return status, len(body)
        if chunked:
            size = 0
            while True:
                chunk_size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(chunk_size + 2)
                size += chunk_size
                if chunk_size == 0:
                    self.used += 1
                    return status, size
        raise RuntimeError("a response without a length")


class _Pool:
    """Up to ``CONNECTIONS`` kept-alive connections; a request that finds none idle and the pool
    full waits for one. ``opened`` counts the connections that exist or are being opened, exactly:
    each is either handed back (``release``) or dropped (``discard``) once, and each dropped one
    wakes the next waiter with a new connection, so no waiter is ever forgotten."""

    def __init__(self, port: int):
        self.port = port
        self.idle: deque[_Connection] = deque()
        self.opened = 0
        self.peak = 0  # the most connections open (or opening) at once
        self.waiters: deque[asyncio.Future] = deque()
        self.opening: set[asyncio.Future] = set()

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        return _Connection(reader, writer)

    async def acquire(self) -> _Connection:
        """A connection the caller must ``release`` or ``discard``; on an exception it holds none."""
        if self.idle:
            return self.idle.pop()
        if self.opened < CONNECTIONS:
            self.opened += 1
            self.peak = max(self.peak, self.opened)
            try:
                return await self._connect()
            except BaseException:
                self.opened -= 1
                self._wake_one()
                raise
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:  # timed out: a connection handed over meanwhile is passed on
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release(waiter.result())
            raise

    def release(self, connection: _Connection) -> None:
        """Hand a healthy connection to the oldest waiter, or keep it idle."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self.idle.append(connection)

    def discard(self, connection: _Connection) -> None:
        """Close a broken (or unfinished) connection; a waiter gets a new one in its place."""
        connection.writer.close()
        self.opened -= 1
        self._wake_one()

    def _wake_one(self) -> None:
        while self.waiters and self.waiters[0].done():
            self.waiters.popleft()
        if self.waiters and self.opened < CONNECTIONS:
            self.opened += 1
            self.peak = max(self.peak, self.opened)
            self.opening.add(task := asyncio.ensure_future(self._open_for(self.waiters.popleft())))
            task.add_done_callback(self.opening.discard)

    async def _open_for(self, waiter: asyncio.Future) -> None:
        try:
            connection = await self._connect()
        except OSError as error:
            self.opened -= 1
            if not waiter.done():
                waiter.set_exception(error)
            self._wake_one()  # the next waiter tries too (or gets its own error) instead of waiting out
            return
        if waiter.done():  # its request timed out meanwhile: the next one gets the connection
            self.release(connection)
        else:
            waiter.set_result(connection)

    def close(self) -> None:
        for task in self.opening:
            task.cancel()
        for connection in self.idle:
            connection.writer.close()


def _request(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "X-Forwarded-Proto: https", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _open_loop(port: int, request: bytes, rate: float, seconds: float, expect_bytes: int | None) -> dict:
    pool = _Pool(port)
    answers: list[tuple[float, float, str | None]] = []  # (due, done, error or None), all of the run
    pending: dict[int, float] = {}
    total = int(rate * (WARMUP + seconds))

    async def attempt() -> tuple[int, int]:
        connection = await pool.acquire()
        try:
            while True:
                try:
                    result = await connection.get(request)
                    break
                except (asyncio.IncompleteReadError, ConnectionError):
                    if not connection.used:
                        raise
                    # The server closed this idle kept-alive connection (its keep-alive timeout)
                    # as the request went out: like any HTTP client, send it again, until it goes
                    # out on a connection not used before (the pool's next idle one may be stale
                    # too); that one's failure is the request's error. The request's timeout
                    # bounds the loop, and each pass discards one connection.
                    pool.discard(connection)
                    connection = None
                    connection = await pool.acquire()
        except BaseException:
            # Whatever happened (an error, the request's timeout), the connection may hold half an
            # answer: it is closed, and a waiting request gets a new one in its place.
            if connection is not None:
                pool.discard(connection)
            raise
        pool.release(connection)
        return result

    async def one(index: int, due: float) -> None:
        pending[index] = due
        try:
            # One bound for everything the request waits on (the pool, connecting, the answer, the
            # resend): it ends answered or as an error, never waits for ever.
            status, size = await asyncio.wait_for(attempt(), timeout=REQUEST_TIMEOUT)
            error = None
            if status != 200:
                error = f"status_{status}"
            elif expect_bytes is not None and abs(size - expect_bytes) > expect_bytes * 0.2:
                error = "wrong_size"
            answers.append((due, time.perf_counter(), error))
        except TimeoutError:
            answers.append((due, time.perf_counter(), "timeout"))
        except Exception as error:  # noqa: BLE001 (any failure is an error of this request, counted by type)
            answers.append((due, time.perf_counter(), type(error).__name__))
        finally:
            pending.pop(index, None)

    tasks = []
    start = time.perf_counter() + 0.05
    saturated = False
    cpu_server_before = _cpu_seconds(_SERVER_PROCESSES)
    cpu_db_before = _cpu_seconds(_postgres_processes()) if _MEASURE_DB[0] else 0.0
    for index in range(total):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if index % 64 == 0 and pending and time.perf_counter() - min(pending.values()) > GIVE_UP_SECONDS:
            saturated = True
            break
        tasks.append(asyncio.ensure_future(one(index, due)))
    sent = len(tasks)
    if saturated:
        await asyncio.sleep(1)
        for task in tasks:
            task.cancel()
    # Each request ends within REQUEST_TIMEOUT; this bound only backs that up. Whatever is still
    # waiting then is cancelled and counted unanswered, and the run ends.
    _done, stuck = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT + 5) if tasks else (set(), set())
    for task in stuck:
        task.cancel()
    if stuck:
        await asyncio.wait(stuck, timeout=5)
    ended = time.perf_counter()
    cpu_server = _cpu_seconds(_SERVER_PROCESSES) - cpu_server_before
    cpu_db = _cpu_seconds(_postgres_processes()) - cpu_db_before if _MEASURE_DB[0] else 0.0
    pool.close()

    # The measured window: requests due after the warm-up. A run that saturated during its warm-up
    # is reported over everything it sent (and says so).
    window_from = start + WARMUP
    measured = [a for a in answers if a[0] >= window_from]
    in_warmup = not measured
    if in_warmup:
        measured, window_from = answers, start
    window_sent = sum(1 for i in range(sent) if start + i / rate >= window_from)
    latencies = sorted((done - due) * 1000 for due, done, error in measured if error is None)
    errors: dict[str, int] = {}
    for _due, _done, error in measured:
        if error is not None:
            errors[error] = errors.get(error, 0) + 1
    unanswered = max(window_sent - len(measured), 0)
    if unanswered:
        errors["unanswered"] = unanswered
    window_seconds = max((ended if saturated else max((a[1] for a in measured), default=ended)) - window_from, 1e-9)
    n = len(latencies)

    def pct(q: float) -> float | None:
        return round(latencies[min(n - 1, max(0, int(n * q) - 1))], 1) if n else None

    return {
        "offered_per_second": rate,
        "measured_seconds": round(window_seconds, 1),
        "achieved_per_second": round(n / window_seconds, 1),
        "answered": n,
        "p50_ms": round(statistics.median(latencies), 1) if n else None,
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 1) if n else None,
        "errors": errors,
        "saturated": saturated,
        "saturated_in_warmup": saturated and in_warmup,
        "stuck": len(stuck),
        "connections": pool.peak,
        # Over the whole run (warm-up included), per answered request; not for a saturated run (the
        # server goes on working for requests the client gave up on, which would count as nothing).
        "server_cpu_ms_per_request": round(cpu_server * 1000 / len(answers), 2) if answers and not saturated else None,
        "db_cpu_ms_per_request": (
            round(cpu_db * 1000 / len(answers), 2) if answers and _MEASURE_DB[0] and not saturated else None
        ),
    }


_SERVER_PROCESSES: list[psutil.Process] = []
_MEASURE_DB = [True]


def _drain(limit_seconds: float = 120) -> None:
    """Wait until the server has finished what it was sent: after a saturated run it goes on
    answering requests the client gave up on (a view is not cancelled when its client leaves),
    and the next run would measure that backlog. Idle: under 5 % of a core over half a second."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        before = _cpu_seconds(_SERVER_PROCESSES)
        time.sleep(0.5)
        if _cpu_seconds(_SERVER_PROCESSES) - before < 0.025:
            return


def _run(port: int, request: bytes, rate: float, seconds: float, expect_bytes: int | None) -> dict:
    import uvloop

    _drain()
    return uvloop.run(_open_loop(port, request, rate, seconds, expect_bytes))


def _passes(result: dict) -> bool:
    return (
        not result["saturated"]
        and not result["errors"]
        and result["p99_ms"] is not None
        and result["p99_ms"] <= P99_TARGET_MS
        and result["achieved_per_second"] >= 0.95 * result["offered_per_second"]
    )


def _step_search(port: int, request: bytes, expect_bytes: int | None) -> dict:
    steps, best = [], None
    for rate in STEPS:
        result = _run(port, request, rate, STEP_SECONDS, expect_bytes)
        steps.append({k: result[k] for k in ("offered_per_second", "achieved_per_second", "p50_ms", "p95_ms", "p99_ms",
                                             "errors", "saturated", "server_cpu_ms_per_request",
                                             "db_cpu_ms_per_request")})  # fmt: skip
        if not _passes(result):
            break
        best = rate
    return {"highest_rate_within_p99": best, "steps": steps}


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------


def _sizes(port: int, endpoints, headers_for) -> dict[str, int]:
    import httpx

    sizes = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for endpoint in endpoints:
            response = client.get(endpoint.path, headers={"X-Forwarded-Proto": "https", **headers_for(endpoint)})
            if response.status_code != 200:
                raise RuntimeError(f"{endpoint.path} answered {response.status_code}: {response.text[:300]}")
            sizes[endpoint.name] = len(response.content)
    return sizes


def run() -> dict:
    from django.db import connection

    from bench.bench_home_feed import _prepare
    from bench.hot_endpoints import endpoints, prepare_extras, viewer_token

    load_before = os.getloadavg()
    prepared = _prepare()
    prepare_extras()
    token = viewer_token()
    wanted = [e for e in endpoints() if not ONLY or e.name in ONLY]
    database = connection.settings_dict["NAME"]
    connection.close()

    def headers_for(endpoint) -> dict[str, str]:
        return {"Authorization": f"Token {token}"} if endpoint.signed_in else {}

    results: dict = {}
    fanfare, port = _start("config.asgi:application", _production_env(database))
    try:
        _SERVER_PROCESSES[:] = _server_processes(fanfare)
        _MEASURE_DB[0] = True
        sizes = _sizes(port, wanted, headers_for)
        for endpoint in wanted:
            request = _request(endpoint.path, headers_for(endpoint))
            entry = {"path": endpoint.path, "signed_in": endpoint.signed_in, "bytes": sizes[endpoint.name]}
            entry["fixed_rate"] = _run(port, request, RATE, SECONDS, sizes[endpoint.name])
            if not SKIP_STEPS:
                entry["step_search"] = _step_search(port, request, sizes[endpoint.name])
            results[endpoint.name] = {"fanfare": entry}
            print(json.dumps({endpoint.name: entry}), flush=True)
    finally:
        _stop(fanfare)

    bodies = {e.path.split("?")[0]: sizes[e.name] for e in wanted}
    baseline, port = _start("bench.baseline_app:sized_app", {**os.environ, "BENCH_BASELINE_BODIES": json.dumps(bodies)})
    try:
        _SERVER_PROCESSES[:] = _server_processes(baseline)
        _MEASURE_DB[0] = False
        for endpoint in wanted:
            request = _request(endpoint.path, headers_for(endpoint))
            entry = {"bytes": sizes[endpoint.name]}
            entry["fixed_rate"] = _run(port, request, RATE, SECONDS, sizes[endpoint.name])
            results[endpoint.name]["baseline"] = entry
            fanfare_p99 = results[endpoint.name]["fanfare"]["fixed_rate"]["p99_ms"]
            if fanfare_p99 is not None and entry["fixed_rate"]["p99_ms"]:
                results[endpoint.name]["ratio_p99"] = round(fanfare_p99 / entry["fixed_rate"]["p99_ms"], 1)
        if not SKIP_STEPS and wanted:
            largest = max(wanted, key=lambda e: sizes[e.name])
            request = _request(largest.path, headers_for(largest))
            results["baseline_step_search"] = {
                "endpoint": largest.name,
                **_step_search(port, request, sizes[largest.name]),
            }
    finally:
        _stop(baseline)

    return {
        "name": "load",
        "database": database,
        **prepared,
        "server": [*PRODUCTION_SERVER, "--workers", str(WORKERS)],
        "settings": "config.settings.production (DEBUG off, DATABASE_POOL on)",
        "rate": RATE,
        "seconds": SECONDS,
        "warmup_seconds": WARMUP,
        "p99_target_ms": P99_TARGET_MS,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "endpoints": results,
    }
