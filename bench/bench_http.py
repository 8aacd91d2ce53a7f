"""Per-request cost of the whole stack: GET /api/v1/ through uvicorn, middleware and DRF,
against a bare ASGI app serving the same bytes on the same uvicorn, in the same run.

Both servers run as subprocesses with the same options; one client sends requests one
after another over a kept-alive connection, after a warm-up.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "1000"))
WARMUP = 100


def _serve(app: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--lifespan", "off", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def _measure(url: str) -> dict:
    with httpx.Client(base_url=url, timeout=10) as client:
        for _ in range(WARMUP):
            client.get("/api/v1/")
        latencies = []
        started = time.perf_counter()
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            response = client.get("/api/v1/")
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET /api/v1/ answered {response.status_code}")
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests_per_second": round(REQUESTS / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 3),
    }


def run() -> dict:
    results = {}
    for name, app in [("baseline", "bench.baseline_app:app"), ("fanfare", "config.asgi:application")]:
        process, url = _serve(app)
        try:
            results[name] = _measure(url)
        finally:
            process.terminate()
            process.wait(10)
    results["ratio_p50"] = round(results["fanfare"]["p50_ms"] / results["baseline"]["p50_ms"], 2)
    results["ratio_throughput"] = round(
        results["fanfare"]["requests_per_second"] / results["baseline"]["requests_per_second"], 3
    )
    return {"name": "http_api_root", "requests": REQUESTS, **results}
