"""Picking an ad: eligibility, pacing, a CTR-aware weighted choice, the offer token (docs/ads.md).

The live campaigns (with today's and the unposted spend of each, the advertisers' balances and
the active ads) come from a per-process copy under a version key (``ads.services.live``: any
committed change is seen by the next decision); those that may show in the placement are then
checked in Python, in this order, and the first rule that fails is the campaign's reason (staff
see them with ``explain``):

``schedule`` (weekdays and hours in the advertiser's zone), ``targeting_country``,
``targeting_region``, ``targeting_language``, ``targeting_device``, ``targeting_age`` and
``targeting_gender`` (only from what the viewer shared: a campaign that targets them never
shows to a viewer who did not), ``targeting_interest``, ``advertiser_blocked``,
``budget_spent``, ``daily_cap``, ``balance_empty``, ``frequency_cap``, ``pacing``.

Before any campaign: ``content_not_monetized`` (the creator opted out) and ``members_only``.
Decisions write nothing: fill rate is counted in memory per process and buffered every
``ADS_FILL_FLUSH_SECONDS``. They are stateless (the cache is a copy keyed by the database), so
web processes scale out behind a load balancer.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import random
import threading
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ads.buffer import event_buffer
from ads.offers import offer_sign
from ads.services.live import live_ad, live_state
from ads.targeting import PLACEMENT_FORMATS

MICROS = 1_000_000
# CTR prior for campaigns with few impressions: 1 click in 100 (a Beta(1, 99) mean).
_PRIOR_CLICKS, _PRIOR_IMPRESSIONS = 1, 100
_CTR_CACHE: dict[str, Any] = {"at": 0.0, "ctr": {}}
_CTR_TTL = 60.0


@dataclass
class Viewer:
    """Who asks and where: filled by the interface from the request (or by the feed, the player)."""

    placement: str
    viewer_key: str
    user: Any = None
    country: str = ""
    region: str = ""
    language: str = ""
    device: str = ""
    os: str = ""
    browser: str = ""
    creator_id: uuid.UUID | None = None
    content_tags: list[str] = field(default_factory=list)
    monetized: bool = True
    members_only: bool = False
    birth_year: int | None = None
    gender: str = ""
    interests: list[str] = field(default_factory=list)
    blocked_advertisers: set = field(default_factory=set)
    # True until the four fields above are read for a signed-in viewer (ads.viewers.viewer_profile_load,
    # which ``_decide`` calls only once a campaign may show in the placement).
    profile_pending: bool = False


@dataclass
class Decision:
    ad: Any | None
    token: str = ""
    reason: str = ""
    campaign_reasons: dict[str, str] = field(default_factory=dict)


# The candidate selection as one bare statement, for the benchmark's baseline: what a decision
# selects from its cached live state (ads.services.live) for one placement and viewer, with the
# same spend rollup (CampaignSpendDay) and the cheap targeting in SQL.
_CANDIDATES_SQL = """
SELECT c.id, c.advertiser_id, adv.user_id, adv.timezone, c.currency, c.bid_model, c.bid_amount,
       c.budget_total, c.budget_daily, c.spent_micros, c.pacing, c.frequency_cap_day, c.frequency_cap_total,
       c.weekdays, c.hours, c.countries, c.regions, c.languages, c.devices, c.age_min, c.age_max, c.genders,
       c.interests, c.start_at, c.end_at, COALESCE(sd.micros, 0), COALESCE(un.micros, 0)
FROM ads_campaign c
JOIN ads_advertiser adv ON adv.id = c.advertiser_id
LEFT JOIN ads_campaignspendday sd ON sd.campaign_id = c.id AND sd.day = %(today)s
LEFT JOIN (
    SELECT campaign_id, SUM(micros) AS micros FROM ads_adspenditem WHERE posted_at IS NULL GROUP BY campaign_id
) un ON un.campaign_id = c.id
WHERE c.status = 'active' AND c.start_at <= %(now)s AND (c.end_at IS NULL OR c.end_at > %(now)s)
  AND (cardinality(c.placements) = 0 OR %(placement)s = ANY(c.placements))
  AND EXISTS (SELECT 1 FROM ads_ad a WHERE a.campaign_id = c.id AND a.is_active AND a.format = ANY(%(formats)s))
"""
_TARGETING_SQL = """
  AND (cardinality(c.countries) = 0 OR %(country)s = ANY(c.countries))
  AND (cardinality(c.languages) = 0 OR %(language)s = ANY(c.languages))
  AND (cardinality(c.devices) = 0 OR %(device)s = ANY(c.devices))
  AND (cardinality(c.interests) = 0 OR c.interests && %(interests)s::varchar[])
"""


def candidates_sql(*, with_targeting: bool = True) -> str:
    return _CANDIDATES_SQL + (_TARGETING_SQL if with_targeting else "")


def _ctr_by_campaign() -> dict:
    """Clicks and billable impressions of the last 7 days per campaign, cached a minute per process."""
    now = time.monotonic()
    if now - _CTR_CACHE["at"] > _CTR_TTL:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT campaign_id, SUM(clicks), SUM(billable_impressions) FROM ads_addailystat "
                "WHERE day >= %s GROUP BY campaign_id",
                [timezone.now().date() - dt.timedelta(days=7)],
            )
            _CTR_CACHE["ctr"] = {row[0]: (int(row[1]), int(row[2])) for row in cursor.fetchall()}
        _CTR_CACHE["at"] = now
    return _CTR_CACHE["ctr"]


def ctr_cache_clear() -> None:
    _CTR_CACHE["at"] = 0.0


def expected_micros_per_impression(*, bid_model: str, bid_amount: int, clicks: int, impressions: int) -> float:
    """What one impression is worth to the platform: the CPM price, or the CPC bid times the
    smoothed click-through rate ((clicks + 1) / (impressions + 100))."""
    if bid_model == "cpm":
        return bid_amount * MICROS / 1000
    ctr = (clicks + _PRIOR_CLICKS) / (impressions + _PRIOR_IMPRESSIONS)
    return bid_amount * MICROS * ctr


def _schedule_ok(row: dict, now: dt.datetime) -> bool:
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(row["timezone"]))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now
    return (not row["weekdays"] or local.weekday() in row["weekdays"]) and (
        not row["hours"] or local.hour in row["hours"]
    )


def _pacing_ok(row: dict, now: dt.datetime) -> bool:
    """Even pacing: today's spend stays under the share of the day gone (plus an hour's slack)."""
    if row["pacing"] != "even":
        return True
    daily = row["budget_daily"]
    if daily is None:
        if row["end_at"] is None:
            return True
        days_left = max((row["end_at"] - now).total_seconds() / 86400, 1)
        remaining = row["budget_total"] * MICROS - row["spent_micros"] - row["unposted"]
        daily_micros = remaining / days_left
    else:
        daily_micros = daily * MICROS
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(row["timezone"]))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now
    elapsed = local.hour * 3600 + local.minute * 60 + local.second
    allowed = daily_micros * min(1.0, (elapsed + 3600) / 86400)
    return row["today"] < allowed


def campaign_reason(row: dict, viewer: Viewer, *, now: dt.datetime, balance: int) -> str:
    """Why the campaign in ``row`` cannot serve ``viewer`` now ('' when it can, before caps)."""
    if not _schedule_ok(row, now):
        return "schedule"
    if row["countries"] and viewer.country not in row["countries"]:
        return "targeting_country"
    if row["regions"] and viewer.region not in row["regions"]:
        return "targeting_region"
    if row["languages"] and viewer.language not in row["languages"]:
        return "targeting_language"
    if row["devices"] and viewer.device not in row["devices"]:
        return "targeting_device"
    if row["age_min"] is not None or row["age_max"] is not None:
        if viewer.birth_year is None:
            return "targeting_age"
        age = now.year - viewer.birth_year
        if (row["age_min"] is not None and age < row["age_min"]) or (
            row["age_max"] is not None and age > row["age_max"]
        ):
            return "targeting_age"
    if row["genders"] and viewer.gender not in row["genders"]:
        return "targeting_gender"
    if row["interests"] and not set(row["interests"]) & (set(viewer.interests) | set(viewer.content_tags)):
        return "targeting_interest"
    if row["advertiser_id"] in viewer.blocked_advertisers:
        return "advertiser_blocked"
    if row["spent_micros"] + row["unposted"] >= row["budget_total"] * MICROS:
        return "budget_spent"
    if row["budget_daily"] is not None and row["today"] >= row["budget_daily"] * MICROS:
        return "daily_cap"
    if balance <= 0:
        return "balance_empty"
    if not _pacing_ok(row, now):
        return "pacing"
    return ""


def _frequency(viewer: Viewer, rows: list[dict], now: dt.datetime) -> dict:
    capped = [row for row in rows if row["frequency_cap_day"] or row["frequency_cap_total"]]
    if not capped:
        return {}
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = min(row["start_at"] for row in capped)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT campaign_id, COUNT(*) FILTER (WHERE created_at >= %s), COUNT(*) FROM ads_adimpression "
            "WHERE viewer_key = %s AND billable AND campaign_id = ANY(%s) AND created_at >= %s GROUP BY campaign_id",
            [day_start, viewer.viewer_key, [row["id"] for row in capped], since],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


_fill_lock = threading.Lock()
_fill: dict[str, Any] = {"counts": {}, "at": time.monotonic()}


def _fill_count(*, placement: str, day: dt.date, filled: bool) -> None:
    """Count a decision for fill rate in this process; buffer the counts every
    ``ADS_FILL_FLUSH_SECONDS`` (one event per placement and day, not one per decision)."""
    with _fill_lock:
        counts = _fill["counts"].setdefault((str(day), placement), [0, 0])
        counts[0] += 1
        counts[1] += 1 if filled else 0
        due = time.monotonic() - _fill["at"] >= settings.ADS_FILL_FLUSH_SECONDS
    if due:
        fill_counts_flush()


def fill_counts_flush() -> int:
    """Buffer this process's fill-rate counts (the writer calls it too, and it runs at exit).
    Returns the decisions flushed."""
    with _fill_lock:
        counts, _fill["counts"], _fill["at"] = _fill["counts"], {}, time.monotonic()
    flushed = 0
    try:
        for (day, placement), (requests, filled) in sorted(counts.items()):
            event_buffer().append("decision", {"p": placement, "d": day, "n": requests, "f": filled})
            flushed += requests
    except Exception:
        with _fill_lock:  # put them back: a failed flush (no database at exit) loses nothing it can keep
            for (day, placement), (requests, filled) in counts.items():
                kept = _fill["counts"].setdefault((day, placement), [0, 0])
                kept[0] += requests
                kept[1] += filled
        raise
    return flushed


def fill_counts_discard() -> None:
    """Forget this process's unflushed counts (tests start from none)."""
    with _fill_lock:
        _fill["counts"], _fill["at"] = {}, time.monotonic()


def _flush_at_exit() -> None:
    # At exit there may be no database left: fill rate is a statistic, not money.
    with contextlib.suppress(Exception):
        fill_counts_flush()


atexit.register(_flush_at_exit)


def decision_make(*, viewer: Viewer, explain: bool = False, rng: random.Random | None = None) -> Decision:
    """At most one ad for ``viewer`` in ``viewer.placement``, with its offer token."""
    rng = rng or random.Random()  # noqa: S311 (a weighted choice, not a secret)
    now = timezone.now()
    decision = _decide(viewer=viewer, explain=explain, rng=rng, now=now)
    _fill_count(placement=viewer.placement, day=now.date(), filled=decision.ad is not None)
    if decision.ad is not None:
        ad = decision.ad
        campaign = ad.campaign
        decision.token = offer_sign(
            {
                "o": str(uuid.uuid4()),
                "c": str(ad.campaign_id),
                "a": str(ad.pk),
                "v": str(campaign.advertiser_id),
                "au": str(campaign.advertiser.user_id),
                "cr": str(viewer.creator_id) if viewer.creator_id else None,
                "p": viewer.placement,
                "f": ad.format,
                "b": campaign.bid_model,
                "m": campaign.bid_amount,
                "k": viewer.viewer_key,
                "u": str(viewer.user.pk) if viewer.user is not None and viewer.user.is_authenticated else None,
                "os": viewer.os,
                "br": viewer.browser,
                "dv": viewer.device,
                "cc": viewer.country,
            }
        )
    return decision


def _targeting_matches(row: dict, viewer: Viewer, interests: frozenset) -> bool:
    """The cheap targeting filter (country, language, device, interests) the explain path leaves
    to ``campaign_reason``, so that it can name each campaign's reason."""
    return (
        (not row["countries_set"] or viewer.country in row["countries_set"])
        and (not row["languages_set"] or viewer.language in row["languages_set"])
        and (not row["devices_set"] or viewer.device in row["devices_set"])
        and (not row["interests_set"] or not row["interests_set"].isdisjoint(interests))
    )


def _decide(*, viewer: Viewer, explain: bool, rng: random.Random, now: dt.datetime) -> Decision:
    if not viewer.monetized:
        return Decision(ad=None, reason="content_not_monetized")
    if viewer.members_only:
        return Decision(ad=None, reason="members_only")
    state = live_state(now)
    formats = frozenset(PLACEMENT_FORMATS.get(viewer.placement, ()))
    placed = state.in_placement(viewer.placement, formats)
    if not placed:
        return Decision(ad=None, reason="no_eligible_campaign")
    if viewer.profile_pending:
        from ads.viewers import viewer_profile_load

        viewer_profile_load(viewer)
    interests = frozenset(viewer.interests) | frozenset(viewer.content_tags)
    rows = [
        row
        for row in placed
        if row["start_at"] <= now
        and (row["end_at"] is None or row["end_at"] > now)
        and (explain or _targeting_matches(row, viewer, interests))
    ]
    reasons: dict[str, str] = {}
    if not rows:
        return Decision(ad=None, reason="no_eligible_campaign")
    eligible = []
    for row in rows:
        reason = campaign_reason(row, viewer, now=now, balance=state.balances[row["id"]])
        if reason:
            reasons[str(row["id"])] = reason
        else:
            eligible.append(row)
    if eligible:
        seen = _frequency(viewer, eligible, now)
        kept = []
        for row in eligible:
            today, total = seen.get(row["id"], (0, 0))
            if (row["frequency_cap_day"] and today >= row["frequency_cap_day"]) or (
                row["frequency_cap_total"] and total >= row["frequency_cap_total"]
            ):
                reasons[str(row["id"])] = "frequency_cap"
            else:
                kept.append(row)
        eligible = kept
    if not eligible:
        return Decision(ad=None, reason="no_eligible_campaign", campaign_reasons=reasons if explain else {})
    ctr = _ctr_by_campaign()
    weights = [
        expected_micros_per_impression(
            bid_model=row["bid_model"],
            bid_amount=row["bid_amount"],
            clicks=ctr.get(row["id"], (0, 0))[0],
            impressions=ctr.get(row["id"], (0, 0))[1],
        )
        for row in eligible
    ]
    chosen = rng.choices(eligible, weights=weights, k=1)[0]
    ads = [entry for entry in state.ads[chosen["id"]] if entry[1] in formats]
    ad_id = rng.choices(ads, weights=[weight for _id, _format, weight in ads], k=1)[0][0]
    for row in eligible:
        reasons[str(row["id"])] = "served" if row is chosen else "outbid"
    return Decision(ad=live_ad(state, ad_id), reason="served", campaign_reasons=reasons if explain else {})
