"""Ads test helpers: an advertiser with money, a live campaign with ads, a decision and its beacons."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from ads.models import Ad, Advertiser, Campaign
from ads.services import campaigns
from ads.services.beacons import Client, click_record, view_record
from ads.services.decisions import Viewer, decision_make
from tests.factories import UserFactory

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def fund(advertiser: Advertiser, amount: int) -> None:
    """Credit the prepaid balance as a captured top-up would (billing's own path is tested apart)."""
    from billing import chart
    from billing.models import JournalEntry
    from billing.services import ledger
    from billing.services.ledger import Line
    from core.ids import uuid7

    ledger.entry_post(
        kind=JournalEntry.Kind.ADJUSTMENT,
        idempotency_key=f"test-fund:{uuid7()}",
        lines=[
            Line(chart.STRIPE_BALANCE, amount, advertiser.currency),
            Line(chart.advertiser_prepaid(advertiser.user_id), -amount, advertiser.currency),
        ],
    )


def make_advertiser(*, balance: int = 100_000, tz: str = "UTC") -> Advertiser:
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="advertiser")  # transactional tests flush the migrations' rows
    advertiser = campaigns.advertiser_register(user=UserFactory(), name="Acme", timezone_name=tz)
    if balance:
        fund(advertiser, balance)
    return advertiser


def campaign_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Spring sale",
        "budget_total": 50_000,
        "budget_daily": None,
        "bid_model": "cpm",
        "bid_amount": 2000,
        "start_at": timezone.now() - dt.timedelta(days=1),
        "end_at": None,
        "pacing": "fast",
    }
    data.update(overrides)
    return data


def live_campaign(
    advertiser: Advertiser | None = None, *, ads: int = 1, fmt: str = "image", **overrides: Any
) -> Campaign:
    """An approved (active) campaign with ``ads`` ads of ``fmt``."""
    advertiser = advertiser or make_advertiser()
    campaign = campaigns.campaign_create(advertiser=advertiser, data=campaign_data(**overrides))
    for index in range(ads):
        Ad.objects.create(
            campaign=campaign,
            format=fmt,
            headline=f"Ad {index}",
            name=f"variant {index}",
            destination_url="https://shop.example.com/sale",
            weight=1,
        )
    campaigns.campaign_submit(campaign=campaign)
    return campaigns.campaign_approve(campaign=campaign, by=None)


def viewer(**overrides: Any) -> Viewer:
    values = {
        "placement": "feed",
        "viewer_key": "anon:test",
        "country": "FR",
        "language": "fr",
        "device": "desktop",
        "os": "Linux",
        "browser": "Chrome",
    }
    values.update(overrides)
    return Viewer(**values)


def offer(v: Viewer | None = None, *, seed: int = 1):
    decision = decision_make(viewer=v or viewer(), rng=random.Random(seed))
    assert decision.ad is not None, decision.reason
    return decision


def client(*, ua: str = CHROME, ip: str = "203.0.113.7", country: str = "FR", user=None) -> Client:
    return Client(ip=ip, user_agent=ua, country=country, user=user)


def anon_viewer_key(c: Client) -> str:
    return c.viewer_key


def view(token: str, c: Client, *, ratio: float = 1.0, ms: int = 1500) -> None:
    view_record(token=token, visible_ratio=ratio, visible_ms=ms, client=c)


def click(token: str, c: Client) -> str:
    return click_record(token=token, client=c)
