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
# viewers (k) sent in the minute before its newest beacon (rate limits; events stamped later than a
# minute after it are not counted, which also leaves the day partitions ahead unread). Each part is its own
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
    SELECT ip FROM ads_adimpression
     WHERE ip = ANY(ARRAY(SELECT ip FROM ips)) AND created_at >= %(recent)s AND created_at <= %(until)s
    UNION ALL
    SELECT ip FROM ads_adclick
     WHERE ip = ANY(ARRAY(SELECT ip FROM ips)) AND created_at >= %(recent)s AND created_at <= %(until)s
) AS by_ip GROUP BY ip
UNION ALL
SELECT 'k', viewer_key, count(*) FROM (
    SELECT viewer_key FROM ads_adimpression
     WHERE viewer_key = ANY(ARRAY(SELECT k FROM keys)) AND created_at >= %(recent)s AND created_at <= %(until)s
    UNION ALL
    SELECT viewer_key FROM ads_adclick
     WHERE viewer_key = ANY(ARRAY(SELECT k FROM keys)) AND created_at >= %(recent)s AND created_at <= %(until)s
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
                "until": recent + dt.timedelta(minutes=2),
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
        if _in_database():
            return _write_in_database(limit)
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
    _write_spend_and_fills(batch_id, spend, decisions)
    return BatchResult(batch_id, len(impressions), len(clicks), len(decisions), billable_total)


def _write_spend_and_fills(
    batch_id: UUID, spend: dict[tuple[str, str | None, dt.date], int], decisions: list[dict[str, Any]]
) -> None:
    """The batch's AdSpendItem (per campaign, creator and day) and AdFillCount rows (per day and placement)."""
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


# The in-database writer (the default with the PostgreSQL buffer on PostgreSQL 18 and later): the
# same judging as ``_write`` above, done by PostgreSQL in one statement fed by the buffer's
# ``DELETE ... RETURNING``, so that no event travels to Python and back. The only per-event input
# PostgreSQL cannot compute is what a user agent is (crawlerdetect, ua-parser): the batch's
# distinct user agents are read first and judged here, once each (a few per batch), and sent as a
# small table. ``IN_DATABASE`` False runs the portable path (tests run the rules on both).
IN_DATABASE = True

# The batch: the first ``limit`` events by id, and their distinct user agents. The writer holds
# the advisory lock, so no other writer takes these; an event that commits later with a lower id
# joins the batch below when its user agent is among these, and waits for the next one otherwise.
_BATCH_SQL = """
SELECT max(id), array_agg(DISTINCT COALESCE(payload->>'ua', ''))
  FROM (SELECT id, payload FROM ads_adeventbuffer ORDER BY id LIMIT %(limit)s) AS batch
"""

# Each stage's rule is the Python path's (``_write``), in its order:
#   ev: the beacons with their user agent's verdict; ``kn``/``ipn``: events of the viewer and
#       the address in the minute before the batch's newest, plus those before it in the batch;
#   reasons: the first reason of bot, internal, own_ad, token_expired, ua_changed, rate_limited;
#   views: a valid viewable view is billable when it is its offer's first in the batch and the
#       offer had no valid viewable impression before, token_reused otherwise;
#   clicks: click_without_view unless the offer was viewed (before, or billed earlier in this
#       batch), then billable when first for its offer and never clicked before, token_reused
#       otherwise.
_JUDGE_SQL = """
WITH agents AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset(%(agents)s::jsonb) AS a(ua text, bot boolean, os text, browser text, device text)
),
gone AS MATERIALIZED (
    DELETE FROM ads_adeventbuffer AS b
     WHERE b.id <= %(last)s
       AND (b.kind NOT IN ('view', 'click') OR COALESCE(b.payload->>'ua', '') IN (SELECT ua FROM agents))
    RETURNING b.id, b.kind, b.payload, b.received_at
),
ev AS MATERIALIZED (
    SELECT g.id, g.kind, g.received_at AS at, e.r, e.ms, COALESCE(e.ip, '') AS ip, COALESCE(e."in", false) AS internal,
           e.u, e.cc, e.id AS click_id, o.o AS offer_id, o.c, o.a, o.v, o.au, o.cr, o.p AS placement, o.f, o.b, o.m,
           o.k AS key, o.os AS offer_os, o.br AS offer_browser, o.cc AS offer_cc, o.t, a.bot, a.os, a.browser, a.device
      FROM gone AS g
      JOIN agents AS a ON a.ua = COALESCE(g.payload->>'ua', '')
     CROSS JOIN LATERAL jsonb_to_record(g.payload)
           AS e(r float8, ms bigint, ip text, "in" boolean, u text, cc text, id uuid)
     CROSS JOIN LATERAL jsonb_to_record(g.payload->'offer')
           AS o(o uuid, c uuid, a uuid, v uuid, au text, cr uuid, p text, f text, b text, m bigint, k text, os text,
                br text, cc text, t float8)
     WHERE g.kind IN ('view', 'click')
),
bounds AS MATERIALIZED (
    SELECT min(at) - %(ttl)s::interval - interval '5 minutes' AS since, max(at) - interval '1 minute' AS recent,
           max(at) + interval '1 minute' AS until
      FROM ev
),
viewed AS MATERIALIZED (
    SELECT DISTINCT offer_id FROM ads_adimpression
     WHERE offer_id = ANY(ARRAY(SELECT offer_id FROM ev)) AND created_at >= (SELECT since FROM bounds)
       AND viewable AND invalid_reason = ''
),
clicked AS MATERIALIZED (
    SELECT DISTINCT offer_id FROM ads_adclick
     WHERE offer_id = ANY(ARRAY(SELECT offer_id FROM ev)) AND created_at >= (SELECT since FROM bounds)
       AND invalid_reason = ''
),
by_ip AS MATERIALIZED (
    SELECT ip, count(*) AS n FROM (
        SELECT ip FROM ads_adimpression
         WHERE ip = ANY(ARRAY(SELECT DISTINCT ip FROM ev WHERE ip <> '')) AND created_at >= (SELECT recent FROM bounds)
           AND created_at <= (SELECT until FROM bounds)
        UNION ALL
        SELECT ip FROM ads_adclick
         WHERE ip = ANY(ARRAY(SELECT DISTINCT ip FROM ev WHERE ip <> '')) AND created_at >= (SELECT recent FROM bounds)
           AND created_at <= (SELECT until FROM bounds)
    ) AS recent_ip GROUP BY ip
),
by_key AS MATERIALIZED (
    SELECT viewer_key, count(*) AS n FROM (
        SELECT viewer_key FROM ads_adimpression
         WHERE viewer_key = ANY(ARRAY(SELECT DISTINCT key FROM ev)) AND created_at >= (SELECT recent FROM bounds)
           AND created_at <= (SELECT until FROM bounds)
        UNION ALL
        SELECT viewer_key FROM ads_adclick
         WHERE viewer_key = ANY(ARRAY(SELECT DISTINCT key FROM ev)) AND created_at >= (SELECT recent FROM bounds)
           AND created_at <= (SELECT until FROM bounds)
    ) AS recent_key GROUP BY viewer_key
),
counted AS (
    SELECT ev.*,
           COALESCE(k.n, 0) + row_number() OVER (PARTITION BY ev.key ORDER BY ev.id) AS kn,
           COALESCE(i.n, 0) + row_number() OVER (PARTITION BY ev.ip ORDER BY ev.id) AS ipn,
           ev.kind = 'view' AND ev.r >= 0.5 AND ev.ms >= CASE WHEN ev.f = 'video' THEN 2000 ELSE 1000 END
               AS is_viewable,
           EXISTS (SELECT 1 FROM viewed WHERE viewed.offer_id = ev.offer_id) AS seen_view,
           EXISTS (SELECT 1 FROM clicked WHERE clicked.offer_id = ev.offer_id) AS seen_click
      FROM ev LEFT JOIN by_key AS k ON k.viewer_key = ev.key LEFT JOIN by_ip AS i ON i.ip = ev.ip
),
reasons AS (
    SELECT counted.*,
           CASE
               WHEN bot THEN 'bot'
               WHEN internal THEN 'internal'
               WHEN COALESCE(u, '') <> '' AND u = au THEN 'own_ad'
               WHEN at - to_timestamp(t) > %(ttl)s::interval THEN 'token_expired'
               WHEN offer_os IS DISTINCT FROM os OR offer_browser IS DISTINCT FROM browser THEN 'ua_changed'
               WHEN kn > %(limit)s OR (ip <> '' AND ipn > %(limit)s) THEN 'rate_limited'
               ELSE ''
           END AS reason
      FROM counted
),
views AS (
    SELECT reasons.*,
           kind = 'view' AND reason = '' AND is_viewable AS candidate,
           count(*) FILTER (WHERE kind = 'view' AND reason = '' AND is_viewable)
               OVER (PARTITION BY offer_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS nth_view
      FROM reasons
),
billed_views AS (
    SELECT views.*, candidate AND nth_view = 1 AND NOT seen_view AS billed_view FROM views
),
clicks AS (
    SELECT billed_views.*,
           seen_view OR COALESCE(min(id) FILTER (WHERE billed_view) OVER (PARTITION BY offer_id) < id, false)
               AS viewed_before
      FROM billed_views
),
click_order AS (
    SELECT clicks.*,
           count(*) FILTER (WHERE kind = 'click' AND reason = '' AND viewed_before)
               OVER (PARTITION BY offer_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS nth_click
      FROM clicks
),
judged AS MATERIALIZED (
    SELECT id, kind, at, r, ms, click_id, offer_id, c, a, v, cr, u, placement, cc, offer_cc, b, m, key, ip, os, browser,
           device, is_viewable,
           CASE
               WHEN reason <> '' THEN reason
               WHEN kind = 'view' THEN CASE WHEN candidate AND NOT billed_view THEN 'token_reused' ELSE '' END
               WHEN NOT viewed_before THEN 'click_without_view'
               WHEN nth_click > 1 OR seen_click THEN 'token_reused'
               ELSE ''
           END AS verdict,
           CASE WHEN kind = 'view' THEN billed_view
                ELSE reason = '' AND viewed_before AND nth_click = 1 AND NOT seen_click END AS billable
      FROM click_order
),
costed AS MATERIALIZED (
    SELECT judged.*,
           CASE WHEN NOT billable THEN 0
                WHEN kind = 'view' AND b = 'cpm' THEN m * 1000
                WHEN kind = 'click' AND b = 'cpc' THEN m * 1000000
                ELSE 0 END AS cost,
           c AS campaign_id, a AS ad_id, v AS advertiser_id, cr AS creator_id, left(key, 80) AS viewer_key,
           u::uuid AS user_id, left(COALESCE(NULLIF(cc, ''), NULLIF(offer_cc, ''), ''), 2) AS country
      FROM judged
),
impressions AS (
    INSERT INTO ads_adimpression (id, created_at, event_at, offer_id, campaign_id, ad_id, advertiser_id, creator_id,
                                  viewer_key, user_id, placement, country, device, os, browser, ip, batch_id, billable,
                                  invalid_reason, cost_micros, visible_ratio, visible_ms, viewable, extra_metadata)
    SELECT uuidv7(), at, at, offer_id, campaign_id, ad_id, advertiser_id, creator_id, viewer_key, user_id, placement,
           country, device, os, browser, ip, %(batch)s, billable, verdict, cost, r, ms, is_viewable,
           %(impression_metadata)s
      FROM costed WHERE kind = 'view' ORDER BY id
),
click_rows AS (
    INSERT INTO ads_adclick (id, created_at, event_at, offer_id, campaign_id, ad_id, advertiser_id, creator_id,
                             viewer_key, user_id, placement, country, device, os, browser, ip, batch_id, billable,
                             invalid_reason, cost_micros, extra_metadata)
    SELECT click_id, at, at, offer_id, campaign_id, ad_id, advertiser_id, creator_id, viewer_key, user_id,
           placement, country, device, os, browser, ip, %(batch)s, billable, verdict, cost, %(click_metadata)s
      FROM costed WHERE kind = 'click' ORDER BY id
)
SELECT 'n', NULL, NULL, NULL::date, count(*) FILTER (WHERE kind = 'view'), count(*) FILTER (WHERE kind = 'click'),
       COALESCE(sum(cost), 0)::bigint
  FROM costed
UNION ALL
SELECT 's', campaign_id::text, creator_id::text, (at AT TIME ZONE 'UTC')::date, sum(cost)::bigint, NULL, NULL
  FROM costed WHERE cost > 0 GROUP BY 2, 3, 4
UNION ALL
SELECT 'd', payload::text, NULL, NULL, NULL, NULL, NULL FROM gone WHERE kind = 'decision'
"""


def _in_database() -> bool:
    from ads.buffer import PostgresBuffer

    connection.ensure_connection()
    return IN_DATABASE and isinstance(event_buffer(), PostgresBuffer) and connection.pg_version >= 180000


def _write_in_database(limit: int) -> BatchResult:
    with connection.cursor() as cursor:
        cursor.execute(_BATCH_SQL, {"limit": limit})
        last, user_agents = cursor.fetchone()
    if last is None:
        return BatchResult(None, 0, 0, 0, 0)
    agents = [_agent_row(ua) for ua in user_agents]
    batch_id = uuid7()
    rows = _judge_and_insert(
        {
            "agents": json.dumps(agents, separators=(",", ":")),
            "last": last,
            "ttl": dt.timedelta(seconds=settings.ADS_OFFER_TTL_SECONDS),
            "limit": settings.ADS_MAX_EVENTS_PER_MINUTE,
            "batch": batch_id,
            "impression_metadata": _default_metadata(AdImpression),
            "click_metadata": _default_metadata(AdClick),
        }
    )
    impressions = clicks = billable_total = 0
    spend: dict[tuple[str, str | None, dt.date], int] = {}
    decisions: list[dict[str, Any]] = []
    for part, first, second, day, n1, n2, n3 in rows:
        if part == "n":
            impressions, clicks, billable_total = n1, n2, n3
        elif part == "s":
            spend[(first, second, day)] = n1
        else:
            decisions.append(json.loads(first))
    _write_spend_and_fills(batch_id, spend, decisions)
    return BatchResult(batch_id, impressions, clicks, len(decisions), billable_total)


def _judge_and_insert(params: dict[str, Any]) -> list[tuple]:
    """The batch's one statement (above): events out of the buffer, judged, into the tables. Its rows
    are the counts ('n'), the spend per campaign, creator and day ('s') and the decision events ('d')."""
    with connection.cursor() as cursor:
        cursor.execute(_JUDGE_SQL, params)
        return cursor.fetchall()


def _agent_row(user_agent: str) -> dict[str, Any]:
    agent = traffic.agent_of(user_agent)
    return {"ua": user_agent, "bot": agent.bot, "os": agent.os, "browser": agent.browser, "device": agent.device}


def _default_metadata(model) -> Any:
    field = model._meta.get_field("extra_metadata")
    return field.get_db_prep_save(field.get_default(), connection)
