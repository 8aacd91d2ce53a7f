"""Picking an ad: eligibility, pacing, a CTR-aware weighted choice, the offer token (docs/ads.md).

One statement reads the live campaigns that can show in the placement (with today's and the
unposted spend of each); the rules below are then checked in Python, in this order, and the
first that fails is the campaign's reason (staff see them with ``explain``):

``schedule`` (weekdays and hours in the advertiser's zone), ``targeting_country``,
``targeting_region``, ``targeting_language``, ``targeting_device``, ``targeting_age`` and
``targeting_gender`` (only from what the viewer shared: a campaign that targets them never
shows to a viewer who did not), ``targeting_interest``, ``advertiser_blocked``,
``budget_spent``, ``daily_cap``, ``balance_empty``, ``frequency_cap``, ``pacing``.

Before any campaign: ``content_not_monetized`` (the creator opted out) and ``members_only``.
Decisions write nothing but one buffered event for fill rate; they are stateless, so web
processes scale out behind a load balancer.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from ads.buffer import event_buffer
from ads.offers import offer_sign
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


@dataclass
class Decision:
    ad: Any | None
    token: str = ""
    reason: str = ""
    campaign_reasons: dict[str, str] = field(default_factory=dict)


_CANDIDATES_SQL = """
SELECT c.id, c.advertiser_id, adv.user_id, adv.timezone, c.currency, c.bid_model, c.bid_amount,
       c.budget_total, c.budget_daily, c.spent_micros, c.pacing, c.frequency_cap_day, c.frequency_cap_total,
       c.weekdays, c.hours, c.countries, c.regions, c.languages, c.devices, c.age_min, c.age_max, c.genders,
       c.interests, c.start_at, c.end_at,
       COALESCE(sp.today, 0), COALESCE(sp.unposted, 0)
FROM ads_campaign c
JOIN ads_advertiser adv ON adv.id = c.advertiser_id
LEFT JOIN LATERAL (
    SELECT SUM(s.micros) FILTER (WHERE s.day = %(today)s) AS today,
           SUM(s.micros) FILTER (WHERE s.posted_at IS NULL) AS unposted
    FROM ads_adspenditem s
    WHERE s.campaign_id = c.id AND (s.day = %(today)s OR s.posted_at IS NULL)
) sp ON TRUE
WHERE c.status = 'active' AND c.start_at <= %(now)s AND (c.end_at IS NULL OR c.end_at > %(now)s)
  AND (cardinality(c.placements) = 0 OR %(placement)s = ANY(c.placements))
  AND EXISTS (SELECT 1 FROM ads_ad a WHERE a.campaign_id = c.id AND a.is_active AND a.format = ANY(%(formats)s))
"""
# The same selection with the targeting in SQL (what the benchmark times bare, and the fast path).
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


_COLUMNS = (
    "id",
    "advertiser_id",
    "advertiser_user_id",
    "timezone",
    "currency",
    "bid_model",
    "bid_amount",
    "budget_total",
    "budget_daily",
    "spent_micros",
    "pacing",
    "frequency_cap_day",
    "frequency_cap_total",
    "weekdays",
    "hours",
    "countries",
    "regions",
    "languages",
    "devices",
    "age_min",
    "age_max",
    "genders",
    "interests",
    "start_at",
    "end_at",
    "today",
    "unposted",
)


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


def _balances(rows: list[dict]) -> dict:
    from billing import chart
    from billing.selectors import balances_of

    names = {chart.advertiser_prepaid(row["advertiser_user_id"]) for row in rows}
    found = balances_of(accounts=sorted(names))
    return {
        row["id"]: -found.get((chart.advertiser_prepaid(row["advertiser_user_id"]), row["currency"]), 0) for row in rows
    }


def decision_make(*, viewer: Viewer, explain: bool = False, rng: random.Random | None = None) -> Decision:
    """At most one ad for ``viewer`` in ``viewer.placement``, with its offer token."""
    from ads.models import Ad

    rng = rng or random.Random()  # noqa: S311 (a weighted choice, not a secret)
    now = timezone.now()
    decision = _decide(viewer=viewer, explain=explain, rng=rng, now=now)
    event_buffer().append("decision", {"p": viewer.placement, "f": decision.ad is not None, "d": str(now.date())})
    if decision.ad is not None:
        ad: Ad = decision.ad
        decision.token = offer_sign(
            {
                "o": str(uuid.uuid4()),
                "c": str(ad.campaign_id),
                "a": str(ad.pk),
                "v": str(ad.campaign.advertiser_id),
                "au": str(ad.campaign.advertiser.user_id),
                "cr": str(viewer.creator_id) if viewer.creator_id else None,
                "p": viewer.placement,
                "f": ad.format,
                "b": ad.campaign.bid_model,
                "m": ad.campaign.bid_amount,
                "k": viewer.viewer_key,
                "u": str(viewer.user.pk) if viewer.user is not None and viewer.user.is_authenticated else None,
                "os": viewer.os,
                "br": viewer.browser,
                "dv": viewer.device,
                "cc": viewer.country,
            }
        )
    return decision


def _decide(*, viewer: Viewer, explain: bool, rng: random.Random, now: dt.datetime) -> Decision:
    from ads.models import Ad

    if not viewer.monetized:
        return Decision(ad=None, reason="content_not_monetized")
    if viewer.members_only:
        return Decision(ad=None, reason="members_only")
    params = {
        "today": now.date(),
        "now": now,
        "placement": viewer.placement,
        "formats": sorted(PLACEMENT_FORMATS.get(viewer.placement, set())),
        "country": viewer.country,
        "language": viewer.language,
        "device": viewer.device,
        "interests": sorted(set(viewer.interests) | set(viewer.content_tags)),
    }
    with connection.cursor() as cursor:
        cursor.execute(candidates_sql(with_targeting=not explain), params)
        rows = [dict(zip(_COLUMNS, values, strict=True)) for values in cursor.fetchall()]
    reasons: dict[str, str] = {}
    if not rows:
        return Decision(ad=None, reason="no_eligible_campaign")
    balances = _balances(rows)
    eligible = []
    for row in rows:
        reason = campaign_reason(row, viewer, now=now, balance=balances[row["id"]])
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
    ads = list(
        Ad.objects.filter(campaign_id=chosen["id"], is_active=True, format__in=params["formats"])
        .select_related("campaign__advertiser", "video")
        .order_by("id")
    )
    ad = rng.choices(ads, weights=[a.weight for a in ads], k=1)[0]
    for row in eligible:
        reasons[str(row["id"])] = "served" if row is chosen else "outbid"
    return Decision(ad=ad, reason="served", campaign_reasons=reasons if explain else {})
