"""The home feed over the real HTTP stack, at scale, against the bare SQL of the same pages.

A network is seeded with ``manage.py seed_bench`` (COPY) into a database of its own,
``fanfare_bench`` on the embedded server (``BENCH_FEED_DB``), never the development data. It
is kept between runs and reused when its sizes match (seeding the default size takes minutes);
otherwise it is dropped and seeded again. Sizes: ``BENCH_FEED_USERS`` (100,000),
``BENCH_FEED_POSTS`` (1,000,000), ``BENCH_FEED_FOLLOWS`` (10,000,000), ``BENCH_FEED_VIDEOS``
(10,000); for a quick run, e.g. ``BENCH_FEED_USERS=10000 BENCH_FEED_POSTS=100000
BENCH_FEED_FOLLOWS=500000``.

The server is the project's ASGI application under uvicorn (a subprocess, DEBUG off, with a
psycopg connection pool: ``DATABASE_POOL=true``). For each probe user (following 10, 200 and 5,000 accounts) one
client walks ``BENCH_FEED_PAGES`` pages (5) of 20 items by their cursors, ``BENCH_FEED_ROUNDS``
times (40) after a warm-up; every page's latency counts. In the same process, the bare SQL of
each of those pages is timed the same way: every statement the page's request runs, captured
in-process with the same session (authentication's user and device, the page statement, the
posts with everything they render, the videos) and replayed back to back on psycopg's own
cursor, so the ratio is what the rest of the stack (Python, Django, DRF, uvicorn, HTTP) costs
on top of the database's work for the same page. SQL queries per page are counted in-process
through Django's test client at page sizes 20 and 100.
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
DATABASE = os.environ.get("BENCH_FEED_DB", "fanfare_bench")
SIZES = {
    "users": int(os.environ.get("BENCH_FEED_USERS", "100000")),
    "posts": int(os.environ.get("BENCH_FEED_POSTS", "1000000")),
    "follows": int(os.environ.get("BENCH_FEED_FOLLOWS", "10000000")),
    "videos": int(os.environ.get("BENCH_FEED_VIDEOS", "10000")),
}
PAGES = int(os.environ.get("BENCH_FEED_PAGES", "5"))
ROUNDS = int(os.environ.get("BENCH_FEED_ROUNDS", "40"))
PAGE_SIZE = 20
WARMUP_ROUNDS = 3


def _env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "EMBEDDED_DB_NAME": DATABASE,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DATABASE_POOL": "true",
    }


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(), check=True)


def _server_connection():
    import psycopg
    from django.conf import settings

    from core.embedded_db import PORT, SUPERUSER, ensure_running

    server = ensure_running(settings.EMBEDDED_PGDATA)
    return psycopg.connect(
        dbname="postgres", user=SUPERUSER, host=str(server.socket_dir), port=str(PORT), autocommit=True
    )


def _use_bench_database() -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = DATABASE
    connection.settings_dict["CONN_MAX_AGE"] = 60


def _seeded_sizes() -> dict | None:
    from django.db import connection

    from social.bench_network import PROBES

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM accounts_user WHERE handle = ANY(%s)", [list(PROBES)])
            if cursor.fetchone()[0] != len(PROBES):
                return None
            sizes = {}
            for key, table in [("users", "accounts_user"), ("posts", "content_post"), ("follows", "social_follow"),
                               ("videos", "content_video")]:  # fmt: skip
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                sizes[key] = cursor.fetchone()[0]
            return sizes
    except Exception:  # noqa: BLE001 (no tables yet: not seeded)
        return None


def _prepare() -> dict:
    """Reuse the bench database when it holds a network of the wanted size; else build it."""
    from django.db import connection

    with _server_connection() as pg:
        exists = pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
    if exists:
        _use_bench_database()
        if _seeded_sizes() == SIZES:
            return {"reused": True}
        connection.close()
    with _server_connection() as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        pg.execute(f'CREATE DATABASE "{DATABASE}"')
    started = time.monotonic()
    _manage("migrate", "-v", "0")
    _manage(
        "seed_bench",
        f"--users={SIZES['users']}",
        f"--posts={SIZES['posts']}",
        f"--follows={SIZES['follows']}",
        f"--videos={SIZES['videos']}",
    )
    _use_bench_database()
    return {"reused": False, "seed_seconds": round(time.monotonic() - started, 1)}


def _serve() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--lifespan", "off",
         "--log-level", "warning"],
        cwd=ROOT,
        env=_env(),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/healthz", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("uvicorn did not start")


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[max(int(len(ordered) * 0.99) - 1, 0)], 2),
        "samples": len(ordered),
    }


def _session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _walk(client: httpx.Client, pages: int) -> tuple[list[float], list[str | None]]:
    latencies, cursors, cursor = [], [], None
    for _ in range(pages):
        params = {"page_size": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        t0 = time.perf_counter()
        response = client.get("/api/v1/feed/home/", params=params)
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"feed answered {response.status_code}: {response.text[:200]}")
        cursors.append(cursor)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    return latencies, cursors


def _page_statements(cookie: str, cursors: list[str | None]) -> list[list[tuple[str, object]]]:
    """Every SQL statement each page's request runs, with its parameters, as the server runs them:
    the authentication's (the user, the device; the session is in the cache after a first
    request) and the feed's (the page statement, the posts with what they render, the videos).
    Captured in-process through Django's test client with the same session cookie, after one
    warm-up request per page."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    pages = []
    for page_cursor in cursors:
        params = {"page_size": PAGE_SIZE, **({"cursor": page_cursor} if page_cursor else {})}
        client.get("/api/v1/feed/home/", params)
        statements: list[tuple[str, object]] = []

        def record(execute, sql, sql_params, many, context, statements=statements):
            statements.append((sql, sql_params))
            return execute(sql, sql_params, many, context)

        with connection.execute_wrapper(record):
            response = client.get("/api/v1/feed/home/", params)
        if response.status_code != 200:
            raise RuntimeError(f"feed answered {response.status_code} in-process")
        pages.append(statements)
    return pages


def _bare_sql(pages: list[list[tuple[str, object]]]) -> list[float]:
    """All of each page's statements (authentication and feed), run back to back on psycopg's
    own cursor in this process: the database's share of a page, without Django."""
    from django.db import connection

    connection.ensure_connection()
    latencies = []
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's cursor: no Django on the way

        def one_page(statements):
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()

        for _ in range(WARMUP_ROUNDS):
            for statements in pages:
                one_page(statements)
        for _ in range(ROUNDS):
            for statements in pages:
                t0 = time.perf_counter()
                one_page(statements)
                latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


def _query_counts(user) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    counts = {}
    for size in (20, 100):
        client.get("/api/v1/feed/home/", {"page_size": size})
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/feed/home/", {"page_size": size})
        assert response.status_code == 200, response.status_code
        sqls = [q["sql"] for q in captured.captured_queries]
        auth = [
            s
            for s in sqls
            if "django_session" in s
            or "accounts_authdevice" in s
            or (s.lstrip().startswith('SELECT "accounts_user"') and "content_post_mentions" not in s)
        ]
        counts[f"page_size_{size}"] = {"total": len(sqls), "auth": len(auth), "feed": len(sqls) - len(auth)}
    return counts


def run() -> dict:
    from django.conf import settings

    from accounts.models import User
    from social.bench_network import PROBES

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    prepared = _prepare()
    results = {}
    process, url = _serve()
    try:
        for handle, following in PROBES.items():
            user = User.objects.get(handle=handle)
            cookie = _session_cookie(user)
            with httpx.Client(base_url=url, timeout=30, cookies={settings.SESSION_COOKIE_NAME: cookie}) as client:
                for _ in range(WARMUP_ROUNDS):
                    _walk(client, PAGES)
                http, cursors = [], []
                for _ in range(ROUNDS):
                    latencies, cursors = _walk(client, PAGES)
                    http += latencies
            sql = _bare_sql(_page_statements(cookie, cursors))
            http_stats, sql_stats = _percentiles(http), _percentiles(sql)
            results[f"following_{following}"] = {
                "pages": len(cursors),
                "http": http_stats,
                "bare_sql": sql_stats,
                "ratio_p50": round(http_stats["p50_ms"] / sql_stats["p50_ms"], 1),
                "ratio_p99": round(http_stats["p99_ms"] / sql_stats["p99_ms"], 1),
                "queries_per_page": _query_counts(user),
            }
    finally:
        process.terminate()
        process.wait(10)
    return {"name": "home_feed", "database": DATABASE, "sizes": SIZES, "page_size": PAGE_SIZE, **prepared, **results}
