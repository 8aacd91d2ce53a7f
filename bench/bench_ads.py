"""Ads: decision latency, view-beacon throughput, the event writer, and a kill during a batch.

In a throwaway database (bench_fanfare_ads, cloned from the tests' migrated template when there
is one), bounded in time and count by the environment:

1. **Decisions** (``BENCH_ADS_CAMPAIGNS``, default 1,000 live campaigns of mixed targeting, two
   ads each): ``BENCH_ADS_DECISIONS`` (default 500) sequential ``GET /api/v1/ads/decision/``
   over HTTP, p50/p99, against the same candidate selection run as one bare SQL statement
   (``ads.services.decisions.candidates_sql``, with the CampaignSpendDay rollup; the endpoint
   selects the same from its per-process copy under the version key) in the same run. Target
   p99 <= 20 ms.
2. **Beacons**: ``BENCH_ADS_BEACONS`` (default 2,000) view beacons with valid offer tokens POSTed
   by ``BENCH_ADS_CLIENTS`` (default 8) concurrent clients to Fanfare's endpoint and to a bare
   ASGI app answering the same request (204) on the same server: beacons/s, p99, the ratio.
3. **Writer**: ``BENCH_ADS_EVENTS`` (default 50,000) buffered view events written by
   ``events_write_all`` (COPY of prepared tuples into the partitioned AdImpression, the batch's
   spend items), against a bare COPY of the same rows in the same run (rolled back), two ways:
   ``core.bulk.copy_insert`` of the model instances, and ``core.bulk.copy_rows`` of ready tuples
   (the barest; ``ratio_to_tuples``). Target >= 0.5 x COPY and >= 20,000 events/s. Also the
   writer's CPU per event, in this process and in its PostgreSQL backend.
4. **Kill**: a writer process (tests/ads/writer_probe.py) takes a batch of 5,000, COPYs it, and
   is killed with SIGKILL before committing; then a writer drains the buffer. Reported: rows
   lost and rows duplicated (both must be 0).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = int(os.environ.get("BENCH_ADS_CAMPAIGNS", "1000"))
DECISIONS = int(os.environ.get("BENCH_ADS_DECISIONS", "500"))
BEACONS = int(os.environ.get("BENCH_ADS_BEACONS", "2000"))
CLIENTS = int(os.environ.get("BENCH_ADS_CLIENTS", "8"))
EVENTS = int(os.environ.get("BENCH_ADS_EVENTS", "50000"))
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
COUNTRIES = ["FR", "DE", "US", "GB", "ES", "IT", "JP", "BR", "CA", "NL"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def _campaigns() -> None:
    from ads.models import Ad, Advertiser, Campaign
    from tests.ads.helpers import fund
    from tests.factories import UserFactory

    rng = random.Random(19)
    advertisers = []
    for index in range(20):
        advertiser = Advertiser.objects.create(user=UserFactory(), name=f"bench {index}")
        fund(advertiser, 10**9)
        advertisers.append(advertiser)
    start = timezone.now() - timezone.timedelta(days=1)
    campaigns = []
    for index in range(CAMPAIGNS):
        campaigns.append(Campaign(
            advertiser=advertisers[index % 20], name=f"c{index}", status="active", budget_total=10**8,
            bid_model=rng.choice(["cpm", "cpc"]), bid_amount=rng.randint(500, 5000), start_at=start, pacing="fast",
            countries=rng.sample(COUNTRIES, rng.randint(0, 3)), languages=rng.choice([[], ["en"], ["fr", "de"]]),
            devices=rng.choice([[], ["desktop"], ["mobile", "tablet"]]),
            interests=rng.choice([[], [], ["music"], ["gaming", "tech"]]),
            placements=rng.choice([[], ["feed"], ["feed", "stream_side"], ["preroll"]]),
        ))  # fmt: skip
    Campaign.objects.bulk_create(campaigns)
    Ad.objects.bulk_create([
        Ad(campaign=campaign, format="image" if n else "text", headline=f"ad {n}", weight=1 + n,
           destination_url="https://bench.example/")
        for campaign in campaigns for n in (0, 1)
    ])  # fmt: skip


def _decisions(base: str) -> dict:
    from ads.services.decisions import candidates_sql

    params_sql = {
        "today": timezone.now().date(), "now": timezone.now(), "placement": "feed", "formats": ["image", "text"],
        "country": "FR", "language": "en", "device": "desktop", "interests": ["music"],
    }  # fmt: skip
    sql = candidates_sql(with_targeting=True)
    bare = []
    for _ in range(DECISIONS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, {**params_sql, "now": timezone.now()})
            rows = cursor.fetchall()
        bare.append(time.perf_counter() - started)
    http = []
    filled = 0
    headers = {"User-Agent": UA, "CloudFront-Viewer-Country": "FR", "Accept-Language": "en"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(20):
            client.get("/api/v1/ads/decision/", params={"placement": "feed"})
        for _ in range(DECISIONS):
            started = time.perf_counter()
            response = client.get("/api/v1/ads/decision/", params={"placement": "feed"})
            http.append(time.perf_counter() - started)
            filled += response.json()["ad"] is not None
    return {
        "campaigns": CAMPAIGNS, "requests": DECISIONS, "candidates": len(rows), "filled": filled,
        "http_p50_ms": _pct(http, 0.5), "http_p99_ms": _pct(http, 0.99),
        "bare_sql_p50_ms": _pct(bare, 0.5), "bare_sql_p99_ms": _pct(bare, 0.99), "target_p99_ms": 20,
    }  # fmt: skip


async def bare_beacon(scope, receive, send):
    if scope["type"] != "http":
        return
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _post_all(url: str, bodies: list[dict]) -> tuple[float, list[float], dict]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    local = __import__("threading").local()

    def post(body):
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(headers={"User-Agent": UA}, timeout=30)
        started = time.perf_counter()
        status = client.post(url, json=body).status_code
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(post, bodies))
    return time.perf_counter() - started, latencies, statuses


def _beacons() -> dict:
    from ads.services.decisions import Viewer, decision_make
    from ads.traffic import viewer_key
    from config.asgi import application
    from tests.servers import serve_asgi

    key = viewer_key(user=None, ip="127.0.0.1", user_agent=UA)
    rng = random.Random(5)
    tokens = []
    while len(tokens) < BEACONS:
        decision = decision_make(
            viewer=Viewer(
                placement="feed",
                viewer_key=key,
                country="FR",
                language="en",
                device="desktop",
                os="Linux",
                browser="Chrome",
            ),
            rng=rng,
        )
        if decision.ad is not None:
            tokens.append(decision.token)
    bodies = [{"offer": token, "visible_ratio": 0.8, "visible_ms": 1200} for token in tokens]
    with serve_asgi(bare_beacon) as url:
        bare_seconds, bare_lat, bare_statuses = _post_all(url + "/api/v1/ads/beacons/view/", bodies)
    with serve_asgi(application) as url:
        fan_seconds, fan_lat, fan_statuses = _post_all(url + "/api/v1/ads/beacons/view/", bodies)
    return {
        "beacons": len(bodies), "clients": CLIENTS,
        "bare_asgi": {"per_second": round(len(bodies) / bare_seconds, 1), "p99_ms": _pct(bare_lat, 0.99),
                      "statuses": bare_statuses},
        "fanfare": {"per_second": round(len(bodies) / fan_seconds, 1), "p99_ms": _pct(fan_lat, 0.99),
                    "statuses": fan_statuses},
        "ratio": round(bare_seconds / fan_seconds, 3),
    }  # fmt: skip


def _fill_buffer(n: int) -> None:
    """n view events of n offers (as beacons would buffer them), written with one COPY."""
    import json

    from ads.models import Ad
    from ads.offers import offer_read
    from ads.services.decisions import Viewer, decision_make

    ad = Ad.objects.select_related("campaign").filter(campaign__bid_model="cpm", format="image").first()
    template = offer_read(
        decision_make(
            viewer=Viewer(
                placement="feed",
                viewer_key="anon:bench",
                country="FR",
                language="en",
                device="desktop",
                os="Linux",
                browser="Chrome",
            ),
            rng=random.Random(1),
        ).token
    )
    template.update(c=str(ad.campaign_id), a=str(ad.pk), b="cpm", m=ad.campaign.bid_amount, t=int(time.time()))
    now = timezone.now()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY ads_adeventbuffer (kind, payload, received_at) FROM STDIN") as copy,
    ):
        for index in range(n):
            offer = {**template, "o": str(uuid.uuid4()), "k": f"anon:bench{index}"}
            payload = {
                "offer": offer,
                "r": 0.9,
                "ms": 1500,
                "ip": f"10.{index // 65536 % 256}.{index // 256 % 256}.0",
                "in": False,
                "ua": UA,
                "cc": "FR",
                "u": None,
                "at": now.isoformat(),
            }
            copy.write_row(["view", json.dumps(payload), now])


def _writer() -> dict:
    from ads.models import AdEventBuffer, AdImpression
    from ads.services.writer import _IMPRESSION_COLUMNS, events_write_all
    from core.bulk import copy_insert, copy_rows

    settings.ADS_MAX_EVENTS_PER_MINUTE = 10**9
    AdEventBuffer.objects.all().delete()
    _fill_buffer(EVENTS)
    before = AdImpression.objects.count()
    cpu, backend = time.process_time(), _backend_cpu()
    started = time.perf_counter()
    written = events_write_all()
    writer_seconds = time.perf_counter() - started
    cpu, backend = time.process_time() - cpu, _backend_cpu() - backend
    rows = list(AdImpression.objects.filter(created_at__gte=timezone.now() - timezone.timedelta(hours=1))[:EVENTS])
    for row in rows:
        row.id = uuid.uuid4()
    started = time.perf_counter()
    with transaction.atomic():
        copy_insert(AdImpression, rows)
        copy_seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    # The barest COPY: the same rows as ready tuples (built before the clock starts), no preparation.
    tuples = [tuple(getattr(row, name) for name in _IMPRESSION_COLUMNS) for row in rows]
    started = time.perf_counter()
    with transaction.atomic():
        copy_rows(AdImpression, _IMPRESSION_COLUMNS, tuples)
        tuples_seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    writer_rate, copy_rate, tuples_rate = written / writer_seconds, len(rows) / copy_seconds, len(rows) / tuples_seconds
    return {
        "events": written, "impressions_written": AdImpression.objects.count() - before,
        "writer_per_second": round(writer_rate, 1), "bare_copy_per_second": round(copy_rate, 1),
        "ratio": round(writer_rate / copy_rate, 3), "bare_tuples_copy_per_second": round(tuples_rate, 1),
        "ratio_to_tuples": round(writer_rate / tuples_rate, 3), "target_ratio": 0.5, "target_per_second": 20000,
        "python_cpu_us_per_event": round(cpu / written * 1e6, 1),
        "postgres_cpu_us_per_event": round(backend / written * 1e6, 1) if backend >= 0 else None,
    }  # fmt: skip


def _backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (from /proc: the server is local
    here), or -1 when it cannot be read. With the process's own CPU time it gives the writer's cost
    per event, which depends less on the machine's load than its rate."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kill() -> dict:
    from ads.models import AdEventBuffer, AdImpression
    from ads.services.writer import events_write_all

    AdEventBuffer.objects.all().delete()
    AdImpression.objects.all().delete()
    _fill_buffer(10_000)
    flag = Path(tempfile.mkdtemp()) / "copied"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.ads.probe_settings",
           "ADS_PROBE_DB_NAME": connection.settings_dict["NAME"], "ADS_MAX_EVENTS_PER_MINUTE": str(10**9)}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "tests.ads.writer_probe", str(flag), "5000"], cwd=ROOT, env=env,
                               start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while not flag.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    copied = flag.read_text() if flag.exists() else "never"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    time.sleep(1)
    events_write_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT offer_id) FROM ads_adimpression")
        rows, distinct = cursor.fetchone()
    return {"buffered": 10_000, "copied_before_kill": copied, "rows_after": rows, "lost": 10_000 - distinct,
            "duplicated": rows - distinct}  # fmt: skip


def run() -> dict:
    from django.core.management import call_command

    from tests import db_template

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_fanfare_ads"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    settings.ADS_MAX_EVENTS_PER_MINUTE = 10**9
    cloned = db_template.clone_into_test_database()
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=cloned)
    connection.close()
    settings.DATABASES["default"]["OPTIONS"].setdefault("pool", {"min_size": 2, "max_size": CLIENTS + 4})
    try:
        call_command("pgpartition", "--yes", verbosity=0)
        _campaigns()
        from config.asgi import application
        from tests.servers import serve_asgi

        with serve_asgi(application) as url:
            decisions = _decisions(url)
        beacons = _beacons()
        writer = _writer()
        kill = _kill()
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)
    return {"name": "ads", "decisions": decisions, "beacons": beacons, "writer": writer, "kill": kill}
