"""CPU time per request of the hot endpoints through the ASGI application, in-process.

    EMBEDDED_DB_NAME=fanfare_bench_small python -m bench.profile_asgi [NAME ...]
    BENCH_PROFILE_HANDLER=django python -m bench.profile_asgi     # Django's own ASGIHandler
    BENCH_PROFILE=home python -m bench.profile_asgi home          # plus a cProfile of that endpoint

As ``bench.profile_hot``, but each request goes through the ASGI handler that ``config.asgi``
serves (``core.asgi_handler.ASGIHandler``), driven by a minimal ASGI caller on an event loop,
so the cost of the thread hops between the event loop and the synchronous middleware and
views counts (the test client runs everything synchronously and hides it). The process's CPU
time per request (all its threads) is reported; ``BENCH_PROFILE_HANDLER=django`` measures
Django's own handler for comparison. ``BENCH_PROFILE=NAME`` adds a cProfile of that endpoint's
requests in both threads a request runs in (the event loop's and the thread that runs the
synchronous middleware and view), merged, in CPU time. Not collected by ``make bench``.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

WARMUP = int(os.environ.get("BENCH_PROFILE_WARMUP", "30"))
REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "200"))


async def _call(app, path: str, token: str | None) -> int:
    path, _, query = path.partition("?")
    headers = [(b"host", b"testserver"), (b"x-forwarded-proto", b"https")]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "headers": headers,
        "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }  # fmt: skip
    pending = [{"type": "http.request", "body": b"", "more_body": False}]
    status = []

    async def receive():
        if pending:
            return pending.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from django.conf import settings

    from bench.hot_endpoints import endpoints, prepare_extras, viewer_token

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    prepare_extras()
    token = viewer_token()
    wanted = [e for e in endpoints() if not argv[1:] or e.name in argv[1:]]
    if os.environ.get("BENCH_PROFILE_HANDLER") == "django":
        from django.core.handlers.asgi import ASGIHandler
    else:
        from core.asgi_handler import ASGIHandler
    app = ASGIHandler()

    async def run() -> None:
        for endpoint in wanted:
            bearer = token if endpoint.signed_in else None
            for _ in range(WARMUP):
                assert await _call(app, endpoint.path, bearer) == 200, endpoint.path
            cpu = []
            for _ in range(REQUESTS):
                c0 = time.process_time()
                await _call(app, endpoint.path, bearer)
                cpu.append((time.process_time() - c0) * 1000)
            result = {
                "endpoint": endpoint.name,
                "handler": app.__module__,
                "cpu_ms_p50": round(statistics.median(cpu), 2),
                # The low decile: on a machine shared with other work, less inflated by it than the median.
                "cpu_ms_p10": round(statistics.quantiles(cpu, n=10)[0], 2),
            }
            print(json.dumps(result), flush=True)
            if os.environ.get("BENCH_PROFILE") == endpoint.name:
                await _profile(app, endpoint.path, bearer)

    async def _profile(app, path: str, bearer: str | None) -> None:
        # One profiler per thread, each counting its thread's CPU time (waits on PostgreSQL and the
        # event loop's idle polls do not count): this one on the event loop's, the other enabled
        # in the thread the handler runs each request's synchronous part in (the same thread for
        # requests one after another: core.asgi_handler keeps it).
        loop_profiler, worker_profiler = cProfile.Profile(time.thread_time), cProfile.Profile(time.thread_time)
        threads = app._request_threads
        executor = threads.take()
        executor.submit(worker_profiler.enable).result()
        threads.give_back(executor)
        loop_profiler.enable()
        for _ in range(100):
            await _call(app, path, bearer)
        loop_profiler.disable()
        executor.submit(worker_profiler.disable).result()
        stats = pstats.Stats(loop_profiler)
        stats.add(worker_profiler)
        if os.environ.get("BENCH_PROFILE_DUMP"):
            stats.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
        stats.sort_stats("cumulative").print_stats(70)
        stats.sort_stats("tottime").print_stats(40)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
