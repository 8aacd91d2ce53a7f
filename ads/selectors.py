"""Ads' reads: campaigns of an advertiser, reports, the A/B verdict, fill rate (docs/ads.md)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from ads.models import Ad, AdDailyStat, AdFillCount, AdSpendItem, Advertiser, Campaign

MICROS = 1_000_000
GROUPS = {"day": "day", "country": "country", "placement": "placement", "ad": "ad_id"}
_SUMS = (
    "impressions",
    "viewable",
    "billable_impressions",
    "invalid_impressions",
    "clicks",
    "invalid_clicks",
    "conversions",
    "spend_micros",
)


def campaigns_of(*, advertiser: Advertiser) -> QuerySet[Campaign]:
    return Campaign.objects.filter(advertiser=advertiser).order_by("-id")


def campaign_of(*, advertiser: Advertiser, campaign_id) -> Campaign | None:
    return Campaign.objects.filter(advertiser=advertiser, pk=campaign_id).first()


def ads_of(*, campaign: Campaign) -> QuerySet[Ad]:
    return Ad.objects.filter(campaign=campaign).order_by("id")


def _figures(row: dict) -> dict:
    billable = row["billable_impressions"]
    spend = row["spend_micros"] / MICROS
    return {
        **{key: row[key] for key in _SUMS if key != "spend_micros"},
        "viewable_rate": round(row["viewable"] / row["impressions"], 4) if row["impressions"] else None,
        "ctr": round(row["clicks"] / billable, 4) if billable else None,
        "spend": round(spend, 2),
        "ecpm": round(spend * 1000 / billable, 2) if billable else None,
        "ecpc": round(spend / row["clicks"], 2) if row["clicks"] else None,
    }


def campaign_report(
    *, campaign: Campaign, by: str = "day", since: dt.date | None = None, until: dt.date | None = None
) -> list[dict]:
    """Rows of ``campaign``'s figures grouped by ``by`` (day, country, placement or ad):
    impressions, viewable rate, clicks, CTR, conversions, spend (minor units), eCPM, eCPC."""
    stats = AdDailyStat.objects.filter(campaign=campaign)
    if since:
        stats = stats.filter(day__gte=since)
    if until:
        stats = stats.filter(day__lte=until)
    column = GROUPS[by]
    rows = stats.values(column).annotate(**{key: Sum(key) for key in _SUMS}).order_by(column)
    return [{by: str(row[column]), **_figures(row)} for row in rows]


def campaign_totals(*, campaign: Campaign) -> dict:
    row = AdDailyStat.objects.filter(campaign=campaign).aggregate(**{key: Sum(key) for key in _SUMS})
    return _figures({key: row[key] or 0 for key in _SUMS})


@dataclass(frozen=True)
class Verdict:
    status: str  # winner | too_early | single_ad
    metric: str  # ctr | conversion_rate
    winner: str | None
    confidence: float | None
    arms: list[dict]


def _two_proportion_confidence(s1: int, n1: int, s2: int, n2: int) -> float:
    """1 - the two-sided p-value of a two-proportion z-test (pooled), as a share."""
    if not n1 or not n2:
        return 0.0
    p = (s1 + s2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0
    z = abs(s1 / n1 - s2 / n2) / se
    return math.erf(z / math.sqrt(2))


def ab_verdict(*, campaign: Campaign, min_trials: int = 100, confidence_needed: float = 0.95) -> Verdict:
    """Which ad of the campaign wins: on CTR (clicks per billable impression), or on conversion
    rate (conversions per click) for a conversions campaign; best against runner-up with a
    two-proportion z-test. ``too_early`` while either has fewer than ``min_trials`` trials or the
    confidence is under ``confidence_needed``."""
    metric = "conversion_rate" if campaign.objective == Campaign.Objective.CONVERSIONS else "ctr"
    stats = {
        row["ad_id"]: row
        for row in AdDailyStat.objects.filter(campaign=campaign)
        .values("ad_id")
        .annotate(imps=Sum("billable_impressions"), clicks=Sum("clicks"), conversions=Sum("conversions"))
    }
    arms = []
    for ad in ads_of(campaign=campaign):
        row = stats.get(ad.pk, {"imps": 0, "clicks": 0, "conversions": 0})
        trials, successes = (
            (row["clicks"], row["conversions"]) if metric == "conversion_rate" else (row["imps"], row["clicks"])
        )
        arms.append(
            {
                "ad": str(ad.pk),
                "name": str(ad),
                "weight": ad.weight,
                "trials": trials,
                "successes": successes,
                "rate": round(successes / trials, 4) if trials else None,
            }
        )
    if len(arms) < 2:
        return Verdict("single_ad", metric, None, None, arms)
    ranked = sorted(arms, key=lambda a: (a["successes"] / a["trials"]) if a["trials"] else -1, reverse=True)
    best, second = ranked[0], ranked[1]
    confidence = _two_proportion_confidence(best["successes"], best["trials"], second["successes"], second["trials"])
    if min(best["trials"], second["trials"]) < min_trials or confidence < confidence_needed:
        return Verdict("too_early", metric, None, round(confidence, 4), arms)
    return Verdict("winner", metric, best["ad"], round(confidence, 4), arms)


def fill_rate(*, since: dt.date, placement: str | None = None) -> dict:
    rows = AdFillCount.objects.filter(day__gte=since)
    if placement:
        rows = rows.filter(placement=placement)
    total = rows.aggregate(requests=Sum("requests"), filled=Sum("filled"))
    requests, filled = total["requests"] or 0, total["filled"] or 0
    return {"requests": requests, "filled": filled, "fill_rate": round(filled / requests, 4) if requests else None}


def creator_ad_earnings(*, creator_id, since: dt.date | None = None) -> dict:
    """The creator's share of ad spend on their content (posted to ``creator:<id>:pending``)."""
    items = AdSpendItem.objects.filter(creator_id=creator_id, posted_at__isnull=False)
    if since:
        items = items.filter(day__gte=since)
    by_currency = items.values("campaign__currency").annotate(share=Sum("creator_share"), spend=Sum("charged"))
    return {row["campaign__currency"]: {"share": row["share"], "spend": row["spend"]} for row in by_currency}


def ad_for_report(*, ad_id) -> Ad:
    """An ad a viewer can report: one whose campaign has run (404 ``not_found`` otherwise)."""
    from core.errors import NotFoundError

    ad = (
        Ad.objects.select_related("campaign__advertiser__user")
        .filter(
            pk=ad_id, campaign__status__in=[Campaign.Status.ACTIVE, Campaign.Status.PAUSED, Campaign.Status.COMPLETED]
        )
        .first()
    )
    if ad is None:
        raise NotFoundError("No such ad.")
    return ad
