"""CPU time and queries per request of the hot endpoints, in-process (no server, no network).

    EMBEDDED_DB_NAME=fanfare_bench_small python -m bench.profile_hot [NAME ...]
    BENCH_PROFILE=home python -m bench.profile_hot home      # plus a cProfile of that endpoint

Against a database seeded by ``manage.py seed_bench`` (the load benchmark's). Each endpoint is
read through Django's test client (the same middleware, authentication and views as the
server, without uvicorn), ``BENCH_PROFILE_WARMUP`` (30) times, then ``BENCH_PROFILE_REQUESTS``
(200) times measured: the process's CPU time per request (``time.process_time``, which a busy
machine inflates much less than wall time), the embedded PostgreSQL server's CPU time per
request (all its processes, so background work such as autovacuum counts too) and the SQL
statements of one request.
``BENCH_PROFILE_BODIES=DIR`` writes each endpoint's response body to ``DIR/NAME.json``, to
compare two versions' answers byte for byte. Not collected by ``make bench`` (its name does
not start with ``bench_``).
"""

from __future__ import annotations

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


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench.bench_load import _cpu_seconds, _postgres_processes
    from bench.hot_endpoints import endpoints, prepare_extras, viewer_token

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    prepare_extras()
    token = viewer_token()
    wanted = argv[1:]
    profile_name = os.environ.get("BENCH_PROFILE", "")
    for endpoint in endpoints():
        if wanted and endpoint.name not in wanted:
            continue
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if endpoint.signed_in else {}
        client = Client(**headers)
        for _ in range(WARMUP):
            response = client.get(endpoint.path)
            assert response.status_code == 200, (endpoint.path, response.status_code, response.content[:300])
        captured: list[tuple[str, float]] = []

        def record(execute, sql, params, many, context, captured=captured):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append((sql, (time.perf_counter() - t0) * 1000))

        with connection.execute_wrapper(record):
            response = client.get(endpoint.path)
        queries = list(captured)
        if bodies := os.environ.get("BENCH_PROFILE_BODIES"):
            os.makedirs(bodies, exist_ok=True)
            with open(os.path.join(bodies, f"{endpoint.name}.json"), "wb") as out:
                out.write(response.content)
        cpu, wall = [], []
        captured.clear()
        db_cpu_before = _cpu_seconds(_postgres_processes())
        with connection.execute_wrapper(record):
            for _ in range(REQUESTS):
                c0, w0 = time.process_time(), time.perf_counter()
                client.get(endpoint.path)
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
        db_cpu = _cpu_seconds(_postgres_processes()) - db_cpu_before
        result = {
            "endpoint": endpoint.name,
            "bytes": len(response.content),
            "queries": len(queries),
            "sql_ms_per_request": round(sum(ms for _, ms in captured) / REQUESTS, 2),
            "cpu_ms_mean": round(statistics.fmean(cpu), 2),
            "cpu_ms_p50": round(statistics.median(cpu), 2),
            "wall_ms_p50": round(statistics.median(wall), 2),
            "db_cpu_ms_per_request": round(db_cpu * 1000 / REQUESTS, 2),
        }
        print(json.dumps(result), flush=True)
        if os.environ.get("BENCH_PROFILE_SQL"):
            for sql, ms in queries:
                print(f"    {ms:7.2f} ms  {sql[:400]}")
        if profile_name == endpoint.name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(50):
                client.get(endpoint.path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
