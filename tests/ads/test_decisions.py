"""Decisions: targeting, schedules in the advertiser's zone, budgets, caps, pacing, A/B split."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.utils import timezone

from ads.models import AdSpendItem
from ads.services import campaigns
from ads.services.decisions import decision_make, expected_micros_per_impression
from ads.services.writer import events_write_all
from tests.ads import helpers as h

pytestmark = pytest.mark.django_db


def _reason(campaign, v):
    decision = decision_make(viewer=v, explain=True, rng=random.Random(0))
    return decision.campaign_reasons.get(str(campaign.pk), decision.reason)


@pytest.mark.parametrize(
    ("targeting", "viewer", "reason"),
    [
        ({"countries": ["DE"]}, {}, "targeting_country"),
        ({"countries": ["FR", "DE"]}, {}, "served"),
        ({"regions": ["FR-IDF"]}, {"region": "FR-ARA"}, "targeting_region"),
        ({"languages": ["en"]}, {}, "targeting_language"),
        ({"devices": ["mobile"]}, {}, "targeting_device"),
        ({"age_min": 18, "age_max": 30}, {}, "targeting_age"),  # the viewer shared no age: never inferred
        ({"age_min": 18, "age_max": 30}, {"birth_year": timezone.now().year - 25}, "served"),
        ({"age_min": 18, "age_max": 30}, {"birth_year": timezone.now().year - 45}, "targeting_age"),
        ({"genders": ["female"]}, {}, "targeting_gender"),
        ({"genders": ["female"]}, {"gender": "female"}, "served"),
        ({"interests": ["cycling"]}, {"interests": ["baking"]}, "targeting_interest"),
        ({"interests": ["cycling"]}, {"content_tags": ["cycling"]}, "served"),
        ({"placements": ["preroll"]}, {}, "no_eligible_campaign"),
    ],
)
def test_targeting(targeting, viewer, reason):
    campaign = h.live_campaign(**targeting)
    assert _reason(campaign, h.viewer(**viewer)) == reason


def test_no_ads_on_content_that_opted_out_or_is_for_members():
    h.live_campaign()
    assert decision_make(viewer=h.viewer(monetized=False)).reason == "content_not_monetized"
    assert decision_make(viewer=h.viewer(members_only=True)).reason == "members_only"


def test_a_blocked_advertiser_is_never_served():
    campaign = h.live_campaign()
    assert _reason(campaign, h.viewer(blocked_advertisers={campaign.advertiser_id})) == "advertiser_blocked"


def _at(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


def test_the_schedule_is_read_in_the_advertisers_time_zone(monkeypatch):
    # Tokyo is UTC+9: 23:30 UTC on a Monday is 08:30 on Tuesday there.
    advertiser = h.make_advertiser(tz="Asia/Tokyo")
    _at(monkeypatch, dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC))
    campaign = h.live_campaign(advertiser, weekdays=[1], hours=[8])
    assert _reason(campaign, h.viewer()) == "served"
    campaigns.campaign_update(campaign=campaign, data={"weekdays": [0]})
    assert _reason(campaign, h.viewer()) == "schedule"
    campaigns.campaign_update(campaign=campaign, data={"weekdays": [1], "hours": [23]})
    assert _reason(campaign, h.viewer()) == "schedule"


def test_budget_daily_cap_and_balance_stop_serving():
    campaign = h.live_campaign(budget_total=5000, budget_daily=1000)
    AdSpendItem.objects.create(batch_id=campaign.pk, campaign=campaign, day=timezone.now().date(), micros=1000 * 10**6)
    assert _reason(campaign, h.viewer()) == "daily_cap"
    AdSpendItem.objects.create(
        batch_id=campaign.advertiser_id,
        campaign=campaign,
        day=timezone.now().date() - dt.timedelta(days=1),
        micros=4000 * 10**6,
    )
    assert _reason(campaign, h.viewer()) == "budget_spent"
    broke = h.live_campaign(h.make_advertiser(balance=0))
    assert _reason(broke, h.viewer()) == "balance_empty"


def test_even_pacing_holds_back_a_campaign_ahead_of_the_day(monkeypatch):
    _at(monkeypatch, dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC))
    campaign = h.live_campaign(budget_total=100_000, budget_daily=2400, pacing="even")
    # 06:00 UTC: a quarter of the day gone, plus an hour of slack: 700 of 2400 may be spent.
    AdSpendItem.objects.create(batch_id=campaign.pk, campaign=campaign, day=timezone.now().date(), micros=699 * 10**6)
    assert _reason(campaign, h.viewer()) == "served"
    AdSpendItem.objects.create(
        batch_id=campaign.advertiser_id, campaign=campaign, day=timezone.now().date(), micros=2 * 10**6
    )
    assert _reason(campaign, h.viewer()) == "pacing"
    campaigns.campaign_update(campaign=campaign, data={"pacing": "fast"})
    assert _reason(campaign, h.viewer()) == "served"


def test_the_frequency_cap_counts_a_viewers_billable_impressions():
    campaign = h.live_campaign(frequency_cap_day=2)
    c = h.client()
    v = h.viewer(viewer_key=c.viewer_key)
    for seed in (1, 2):
        h.view(h.offer(v, seed=seed).token, c)
    events_write_all()
    assert _reason(campaign, v) == "frequency_cap"
    assert _reason(campaign, h.viewer(viewer_key="user:someone-else")) == "served"


def test_a_higher_bid_wins_more_often_and_ctr_weighs_cpc_bids():
    low = h.live_campaign(bid_amount=1000)
    high = h.live_campaign(bid_amount=3000)
    rng = random.Random(42)
    served = Counter(str(decision_make(viewer=h.viewer(), rng=rng).ad.campaign_id) for _ in range(400))
    assert served[str(high.pk)] + served[str(low.pk)] == 400
    assert 240 < served[str(high.pk)] < 360  # expected 300 (3:1)
    # A CPC bid is worth bid x CTR per impression: 1% prior CTR, moving with the campaign's clicks.
    assert expected_micros_per_impression(bid_model="cpc", bid_amount=100, clicks=0, impressions=0) == 1_000_000
    assert expected_micros_per_impression(bid_model="cpc", bid_amount=100, clicks=99, impressions=900) == 10_000_000
    assert expected_micros_per_impression(bid_model="cpm", bid_amount=2000, clicks=0, impressions=0) == 2_000_000


def test_ab_variants_split_traffic_by_weight():
    campaign = h.live_campaign(ads=2)
    first, second = list(campaign.ads.order_by("id"))
    campaigns.ad_update(ad=first, data={"weight": 3})
    rng = random.Random(7)
    served = Counter(str(decision_make(viewer=h.viewer(), rng=rng).ad.pk) for _ in range(400))
    assert served[str(first.pk)] + served[str(second.pk)] == 400
    assert 255 < served[str(first.pk)] < 345  # expected 300 (3:1)


def test_every_decision_is_counted_for_fill_rate():
    from ads.selectors import fill_rate

    h.live_campaign(countries=["FR"])
    decision_make(viewer=h.viewer())
    decision_make(viewer=h.viewer(country="DE"))
    decision_make(viewer=h.viewer(placement="preroll"))
    events_write_all()
    assert fill_rate(since=timezone.now().date()) == {"requests": 3, "filled": 1, "fill_rate": 0.3333}
    assert fill_rate(since=timezone.now().date(), placement="feed") == {"requests": 2, "filled": 1, "fill_rate": 0.5}
