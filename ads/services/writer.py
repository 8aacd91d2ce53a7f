"""The writer: buffered events to the partitioned tables, a batch per transaction (docs/ads.md).

``events_write`` takes up to ``ADS_WRITER_BATCH`` events from the buffer (``ads.buffer``),
decides what each was worth, and in the same transaction writes them with COPY
(``core.bulk.copy_rows``, prepared tuples) into AdImpression and AdClick, adds the batch's AdSpendItem (what
each campaign owes, per creator) and AdFillCount rows, and removes them from the buffer. A
writer killed anywhere in a batch commits none of it: the events are still in the buffer and
the next run writes them once. Writers take a transaction-level advisory lock, so two never
judge the same offer at once (one writer at a time; the scale-out is docs/ads.md's).

What an event is worth, first reason wins (``invalid_reason``; never billed):

- ``bot``: a crawler or bot user agent (crawlerdetect, ua-parser), or none.
- ``internal``: a staff account or an address in ``ADS_INTERNAL_NETWORKS``.
- ``own_ad``: the advertiser's own account.
- ``token_expired``: the beacon came after ``ADS_OFFER_TTL_SECONDS``.
- ``ua_changed``: operating system or browser differ from the offer's.
- ``rate_limited``: more than ``ADS_MAX_EVENTS_PER_MINUTE`` events in a minute from the address
  or the viewer.
- ``click_without_view``: a click on an offer that has no viewable impression.
- ``token_reused``: the offer already had its viewable impression (views) or its click.

A view is viewable when at least 50% of the ad's pixels were in view for 1 continuous second
(2 seconds for video ads): ``visible_ratio >= 0.5`` and ``visible_ms >= 1000`` (2000). A valid,
viewable view is billable; a valid click is billable. CPM campaigns pay bid / 1000 per
billable impression, CPC campaigns their bid per billable click (in micro-units here; spend
posting rounds down to minor units, ``ads.services.spend``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction

from ads import traffic
from ads.buffer import event_buffer
from ads.models import AdClick, AdFillCount, AdImpression, AdSpendItem
from ads.services.decisions import fill_counts_flush
from core.bulk import copy_rows
from core.ids import uuid7, uuid7_many

MICROS = 1_000_000
WRITER_LOCK = 0x41445357  # "ADSW"
# What the writer COPYs, as prepared tuples (core.bulk.copy_rows): no model instance per event.
_EVENT_COLUMNS = (
    "id",
    "created_at",
    "event_at",
    "offer_id",
    "campaign_id",
    "ad_id",
    "advertiser_id",
    "creator_id",
    "viewer_key",
    "user_id",
    "placement",
    "country",
    "device",
    "os",
    "browser",
    "ip",
    "batch_id",
    "billable",
    "invalid_reason",
    "cost_micros",
)
_CLICK_COLUMNS = _EVENT_COLUMNS
_IMPRESSION_COLUMNS = (*_EVENT_COLUMNS, "visible_ratio", "visible_ms", "viewable")


@dataclass(frozen=True)
class BatchResult:
    batch_id: UUID | None
    impressions: int
    clicks: int
    decisions: int
    billable_micros: int


def viewable(*, ratio: float, ms: int, video: bool) -> bool:
    return ratio >= 0.5 and ms >= (2000 if video else 1000)


def _as_array(values: list[str]) -> str:
    """A list of strings as one JSON parameter (``jsonb_array_elements_text``): one C-encoded string
    instead of psycopg dumping a Python list of thousands of elements, item by item."""
    return json.dumps(values, separators=(",", ":"))


# What the batch needs to know before judging, in one round trip, each part by an index:
# which of its offers already have a valid viewable impression (v) or a valid click (c) since the
# oldest beacon's offer could have been made, and how many events each of its addresses (i) and
# viewers (k) sent in the minute before its newest beacon (rate limits). Each part is its own
# scan: ``ip = ANY`` and ``viewer_key = ANY`` in one ``OR`` read the whole day's partition.
_LOOKUPS = """
WITH offers AS (SELECT jsonb_array_elements_text(%(offers)s::jsonb)::uuid AS o),
     ips AS (SELECT jsonb_array_elements_text(%(ips)s::jsonb) AS ip),
     keys AS (SELECT jsonb_array_elements_text(%(keys)s::jsonb) AS k)
SELECT 'v', offer_id::text, 0 FROM ads_adimpression
 WHERE offer_id = ANY(ARRAY(SELECT o FROM offers)) AND created_at >= %(since)s AND viewable AND invalid_reason = ''
UNION ALL
SELECT 'c', offer_id::text, 0 FROM ads_adclick
 WHERE offer_id = ANY(ARRAY(SELECT o FROM offers)) AND created_at >= %(since)s AND invalid_reason = ''
UNION ALL
SELECT 'i', ip, count(*) FROM (
    SELECT ip FROM ads_adimpression WHERE ip = ANY(ARRAY(SELECT ip FROM ips)) AND created_at >= %(recent)s
    UNION ALL
    SELECT ip FROM ads_adclick WHERE ip = ANY(ARRAY(SELECT ip FROM ips)) AND created_at >= %(recent)s
) AS by_ip GROUP BY ip
UNION ALL
SELECT 'k', viewer_key, count(*) FROM (
    SELECT viewer_key FROM ads_adimpression
     WHERE viewer_key = ANY(ARRAY(SELECT k FROM keys)) AND created_at >= %(recent)s
    UNION ALL
    SELECT viewer_key FROM ads_adclick
     WHERE viewer_key = ANY(ARRAY(SELECT k FROM keys)) AND created_at >= %(recent)s
) AS by_key GROUP BY viewer_key
"""


def _lookups(
    offers: list[str], ips: list[str], keys: list[str], since: dt.datetime, recent: dt.datetime
) -> tuple[set[str], set[str], Counter, Counter]:
    """(offers viewed, offers clicked, events per address, events per viewer), as described above."""
    viewed, clicked, by_ip, by_key = set(), set(), Counter(), Counter()
    with connection.cursor() as cursor:
        cursor.execute(
            _LOOKUPS,
            {
                "offers": _as_array(offers),
                "ips": _as_array(ips),
                "keys": _as_array(keys),
                "since": since,
                "recent": recent,
            },
        )
        for part, value, count in cursor.fetchall():
            if part == "v":
                viewed.add(value)
            elif part == "c":
                clicked.add(value)
            elif part == "i":
                by_ip[value] = count
            else:
                by_key[value] = count
    return viewed, clicked, by_ip, by_key


def events_write(*, limit: int | None = None) -> BatchResult:
    """Write one batch. Returns what it wrote (zeros when the buffer was empty)."""
    limit = limit or settings.ADS_WRITER_BATCH
    fill_counts_flush()  # this process's fill-rate counts join the buffer first (nothing when it made no decisions)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
        with event_buffer().drain(limit) as events:
            if not events:
                return BatchResult(None, 0, 0, 0, 0)
            return _write(events)


def events_write_all(*, limit: int | None = None, max_batches: int = 1000) -> int:
    """Write batches until the buffer is empty (or ``max_batches``). Returns events written."""
    total = 0
    for _ in range(max_batches):
        result = events_write(limit=limit)
        if result.batch_id is None:
            break
        total += result.impressions + result.clicks + result.decisions
    return total


def _write(events: list[tuple[int, str, dict[str, Any], Any]]) -> BatchResult:
    batch_id = uuid7()
    ttl = dt.timedelta(seconds=settings.ADS_OFFER_TTL_SECONDS)
    beacons = [(kind, payload, received) for _pk, kind, payload, received in events if kind in {"view", "click"}]
    decisions = [payload for _pk, kind, payload, _at in events if kind == "decision"]
    oldest = min((received for _k, _p, received in beacons), default=None)
    since = (oldest - ttl - dt.timedelta(minutes=5)) if oldest else None
    view_offers = sorted({p["offer"]["o"] for k, p, _ in beacons})
    keys = sorted({p["offer"]["k"] for _k, p, _ in beacons})
    ips = sorted({p["ip"] for _k, p, _ in beacons if p["ip"]})
    newest = max((received for _k, _p, received in beacons), default=None)
    if beacons:
        viewed, clicked, by_ip, by_key = _lookups(view_offers, ips, keys, since, newest - dt.timedelta(minutes=1))
    else:
        viewed, clicked, by_ip, by_key = set(), set(), Counter(), Counter()
    limit = settings.ADS_MAX_EVENTS_PER_MINUTE

    impressions: list[tuple] = []
    clicks: list[tuple] = []
    spend: dict[tuple[str, str | None, dt.date], int] = defaultdict(int)
    billable_total = 0
    agent_of = traffic.agent_of
    new_ids = iter(uuid7_many(sum(1 for kind, _p, _r in beacons if kind == "view")))
    from_timestamp = dt.datetime.fromtimestamp
    utc = dt.UTC
    for kind, payload, received in beacons:
        offer = payload["offer"]
        agent = agent_of(payload.get("ua") or "")
        issued = from_timestamp(offer["t"], tz=utc)
        key, ip = offer["k"], payload.get("ip") or ""
        offer_id = offer["o"]
        by_key[key] += 1
        if ip:
            by_ip[ip] += 1
        reason = ""
        if agent.bot:
            reason = "bot"
        elif payload.get("in"):
            reason = "internal"
        elif payload.get("u") and payload["u"] == offer.get("au"):
            reason = "own_ad"
        elif received - issued > ttl:
            reason = "token_expired"
        elif (offer.get("os"), offer.get("br")) != (agent.os, agent.browser):
            reason = "ua_changed"
        elif by_key[key] > limit or (ip and by_ip[ip] > limit):
            reason = "rate_limited"
        # The columns shared by both tables, in _EVENT_COLUMNS order (after the id).
        common = (
            received,
            received,
            offer_id,
            offer["c"],
            offer["a"],
            offer["v"],
            offer.get("cr"),
            key[:80],
            payload.get("u"),
            offer["p"],
            (payload.get("cc") or offer.get("cc") or "")[:2],
            agent.device,
            agent.os,
            agent.browser,
            ip,
            batch_id,
        )
        cost = 0
        if kind == "view":
            is_viewable = viewable(ratio=payload["r"], ms=payload["ms"], video=offer.get("f") == "video")
            if not reason and is_viewable and offer_id in viewed:
                reason = "token_reused"
            billable = not reason and is_viewable
            if billable:
                viewed.add(offer_id)
                cost = offer["m"] * 1000 if offer["b"] == "cpm" else 0
            impressions.append(
                (next(new_ids), *common, billable, reason, cost, payload["r"], payload["ms"], is_viewable)
            )
        else:
            if not reason and offer_id not in viewed:
                reason = "click_without_view"
            if not reason and offer_id in clicked:
                reason = "token_reused"
            billable = not reason
            if billable:
                clicked.add(offer_id)
                cost = offer["m"] * MICROS if offer["b"] == "cpc" else 0
            clicks.append((UUID(payload["id"]), *common, billable, reason, cost))
        if cost:
            spend[(offer["c"], offer.get("cr"), received.date())] += cost
            billable_total += cost

    if impressions:
        copy_rows(AdImpression, _IMPRESSION_COLUMNS, impressions)
    if clicks:
        copy_rows(AdClick, _CLICK_COLUMNS, clicks)
    if spend:
        AdSpendItem.objects.bulk_create(
            [
                AdSpendItem(batch_id=batch_id, campaign_id=campaign, creator_id=creator, day=day, micros=micros)
                for (campaign, creator, day), micros in sorted(spend.items(), key=lambda item: str(item[0]))
            ]
        )
    fills: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for payload in decisions:
        counts = fills[(payload["d"], payload["p"])]
        counts[0] += payload.get("n", 1)  # a process's counts (decisions) or one decision (older events)
        counts[1] += int(payload["f"])
    if fills:
        AdFillCount.objects.bulk_create(
            [
                AdFillCount(
                    batch_id=batch_id, day=dt.date.fromisoformat(day), placement=placement, requests=r, filled=f
                )
                for (day, placement), (r, f) in sorted(fills.items())
            ]
        )
    return BatchResult(batch_id, len(impressions), len(clicks), len(decisions), billable_total)
