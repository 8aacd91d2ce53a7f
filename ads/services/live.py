"""What decisions read, held per process for a short time under a version key (docs/ads.md).

The live campaigns (every ``active`` campaign that has not ended, with its advertiser's zone,
its targeting, its spend today from the :class:`~ads.models.CampaignSpendDay` rollup, its spend
not yet posted, its advertiser's prepaid balance and its active ads) are loaded with three
statements and kept by each process for at most ``ADS_LIVE_CACHE_SECONDS``.

Each decision first reads the version key (one small statement over ``ads_liveversion``): any
committed change to a campaign, an ad, an advertiser or a spend item changes it (database
triggers, migration 0003), so a pause, an approval, a budget or targeting edit, a blocked ad, or
a writer batch's spend is seen by the next decision in every process. Decisions stay stateless:
the cache is a copy of the database, keyed by it. What the key does not follow is a top-up
(billing's ledger): a larger balance is seen within ``ADS_LIVE_CACHE_SECONDS``; an empty balance
is found by spend posting, which completes the campaign (and so changes the key).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

_LIVE_SQL = """
SELECT c.id, c.advertiser_id, adv.user_id, adv.timezone, c.currency, c.bid_model, c.bid_amount,
       c.budget_total, c.budget_daily, c.spent_micros, c.pacing, c.frequency_cap_day, c.frequency_cap_total,
       c.weekdays, c.hours, c.countries, c.regions, c.languages, c.devices, c.age_min, c.age_max, c.genders,
       c.interests, c.start_at, c.end_at, COALESCE(sd.micros, 0), COALESCE(un.micros, 0), c.placements, adv.name
FROM ads_campaign c
JOIN ads_advertiser adv ON adv.id = c.advertiser_id
LEFT JOIN ads_campaignspendday sd ON sd.campaign_id = c.id AND sd.day = %(today)s
LEFT JOIN (
    SELECT campaign_id, SUM(micros) AS micros FROM ads_adspenditem WHERE posted_at IS NULL GROUP BY campaign_id
) un ON un.campaign_id = c.id
WHERE c.status = 'active' AND (c.end_at IS NULL OR c.end_at > %(now)s)
"""
COLUMNS = (
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
    "placements",
    "advertiser_name",
)
# What an answer and its offer read of an ad (ads.api.views._served, decisions.decision_make).
_AD_COLUMNS = (
    "id",
    "campaign_id",
    "format",
    "weight",
    "headline",
    "body",
    "call_to_action",
    "image",
    "video_id",
    "skippable_after",
    "destination_url",
)


@dataclass
class LiveState:
    key: tuple
    loaded_at: float
    campaigns: list[dict[str, Any]]
    # campaign id -> [(ad id, format, weight)], active ads only, by id
    ads: dict[Any, list[tuple[Any, str, int]]]
    balances: dict[Any, int]
    ad_objects: dict[Any, Any] = field(default_factory=dict)
    # ad id -> its _AD_COLUMNS values; campaign id -> its row
    ad_rows: dict[Any, tuple] = field(default_factory=dict)
    by_id: dict[Any, dict[str, Any]] = field(default_factory=dict)
    by_placement: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def in_placement(self, placement: str, formats: frozenset) -> list[dict[str, Any]]:
        """The campaigns that may show in ``placement`` with an ad of one of its ``formats``."""
        rows = self.by_placement.get(placement)
        if rows is None:
            rows = [
                row
                for row in self.campaigns
                if (not row["placement_set"] or placement in row["placement_set"])
                and not row["formats"].isdisjoint(formats)
            ]
            self.by_placement[placement] = rows
        return rows


_lock = threading.Lock()
_state: list[LiveState | None] = [None]


def live_version() -> tuple:
    """The version key: every ``ads_liveversion`` row's value, in id order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(version ORDER BY id) FROM ads_liveversion")
        return tuple(cursor.fetchone()[0] or ())


def live_state(now: dt.datetime) -> LiveState:
    """The live campaigns as of now: this process's copy when its key is current, else loaded."""
    key = (live_version(), now.date())
    state = _state[0]
    if state is not None and state.key == key and time.monotonic() - state.loaded_at < settings.ADS_LIVE_CACHE_SECONDS:
        return state
    # The key is read before the data, so the data is at least as new as the key it is stored under.
    fresh = _load(key, now)
    if state is not None and state.key == key:
        # Reloaded for its age (a top-up is not in the key), not for a change: the ads read so far
        # are what the key says they are, so they stay (read again, each cost the next decision
        # that chose it a query).
        fresh.ad_objects = state.ad_objects
    state = fresh
    with _lock:
        _state[0] = state
    return state


def live_clear() -> None:
    with _lock:
        _state[0] = None


def _load(key: tuple, now: dt.datetime) -> LiveState:
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_SQL, {"today": now.date(), "now": now})
        campaigns = [dict(zip(COLUMNS, values, strict=True)) for values in cursor.fetchall()]
        ads: dict[Any, list[tuple[Any, str, int]]] = {}
        ad_rows: dict[Any, tuple] = {}
        if campaigns:
            cursor.execute(
                f"SELECT {', '.join(_AD_COLUMNS)} FROM ads_ad WHERE is_active AND campaign_id = ANY(%s) "  # noqa: S608
                "ORDER BY campaign_id, id",
                [[row["id"] for row in campaigns]],
            )
            for values in cursor.fetchall():
                ad_id, campaign_id, ad_format, weight = values[:4]
                ads.setdefault(campaign_id, []).append((ad_id, ad_format, weight))
                ad_rows[ad_id] = values
    campaigns = [row for row in campaigns if row["id"] in ads]
    for row in campaigns:
        row["formats"] = frozenset(ad_format for _id, ad_format, _w in ads[row["id"]])
        row["placement_set"] = frozenset(row["placements"])
        for name in ("countries", "regions", "languages", "devices", "genders", "interests"):
            row[name + "_set"] = frozenset(row[name])
    return LiveState(
        key=key,
        loaded_at=time.monotonic(),
        campaigns=campaigns,
        ads=ads,
        balances=_balances(campaigns),
        ad_rows=ad_rows,
        by_id={row["id"]: row for row in campaigns},
    )


def _balances(rows: list[dict]) -> dict:
    from billing import chart
    from billing.selectors import balances_of

    if not rows:
        return {}
    names = {chart.advertiser_prepaid(row["advertiser_user_id"]) for row in rows}
    found = balances_of(accounts=sorted(names))
    return {
        row["id"]: -found.get((chart.advertiser_prepaid(row["advertiser_user_id"]), row["currency"]), 0) for row in rows
    }


def live_ad(state: LiveState, ad_id: Any):
    """The Ad for a decision, with its campaign and advertiser, made from what the state loaded (no
    query: read one by one, the ads cost a query in most decisions after each reload). What the
    answer and the offer read is loaded; any other field reads the database when first used."""
    from ads.models import Ad, Advertiser, Campaign

    ad = state.ad_objects.get(ad_id)
    if ad is not None:
        return ad
    values = state.ad_rows.get(ad_id)
    row = state.by_id.get(values[1]) if values is not None else None
    if row is None:  # not in this state (not expected: decisions choose among its ads)
        ad = Ad.objects.select_related("campaign__advertiser", "video").get(pk=ad_id)
    else:
        advertiser = _instance(
            Advertiser,
            {"id": row["advertiser_id"], "user_id": row["advertiser_user_id"], "name": row["advertiser_name"]},
        )
        campaign = _instance(
            Campaign,
            {
                "id": row["id"],
                "advertiser_id": row["advertiser_id"],
                "currency": row["currency"],
                "bid_model": row["bid_model"],
                "bid_amount": row["bid_amount"],
            },
        )
        campaign.advertiser = advertiser
        ad = _instance(Ad, dict(zip(_AD_COLUMNS, values, strict=True)))
        ad.campaign = campaign
    state.ad_objects[ad_id] = ad
    return ad


def _instance(model, data: dict[str, Any]):
    """A model instance as read from the database with only ``data``'s fields (attnames); the others
    are deferred (read when first used)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in data]
    return model.from_db("default", names, [data[name] for name in names])
