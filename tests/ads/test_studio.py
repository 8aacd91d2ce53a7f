"""The advertiser's studio pages: register, build a campaign with an ad, submit, read the report;
a creator's ad earnings."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ads.models import Ad, AdSpendItem, Advertiser, Campaign
from tests.ads import helpers as h
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("ad.png", buffer.getvalue(), content_type="image/png")


def test_an_account_becomes_an_advertiser_and_builds_a_campaign(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="advertiser")
    user = UserFactory()
    client = _client(user)
    page = client.get("/studio/ads/")
    assert b'data-testid="advertiser-register"' in page.content
    client.post("/studio/ads/", {"name": "Acme", "timezone": "Europe/Paris", "currency": "usd"})
    assert Advertiser.objects.get(user=user).timezone == "Europe/Paris"

    bad = client.post(
        "/studio/ads/campaigns/new/",
        {
            "save_campaign": "1",
            "name": "Spring",
            "objective": "traffic",
            "budget_total": 10,
            "bid_model": "cpm",
            "bid_amount": 900,
            "start_at": "2026-12-01T10:00",
            "pacing": "even",
        },
    )
    assert b"The total budget is at least 1000 minor units." in bad.content
    response = client.post(
        "/studio/ads/campaigns/new/",
        {
            "save_campaign": "1",
            "name": "Spring",
            "objective": "traffic",
            "budget_total": 5000,
            "bid_model": "cpm",
            "bid_amount": 900,
            "start_at": "2026-12-01T10:00",
            "pacing": "even",
            "countries": "fr de",
            "placements": ["feed"],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert (campaign.countries, campaign.placements) == (["DE", "FR"], ["feed"])

    client.post(
        f"/studio/ads/campaigns/{campaign.pk}/",
        {
            "add_ad": "1",
            "format": "image",
            "headline": "Ride more",
            "destination_url": "https://bikes.example/",
            "call_to_action": "Shop",
            "weight": 2,
            "image": _png(),
        },
    )
    ad = Ad.objects.get()
    assert ad.image.endswith(".webp")
    page = client.get(f"/studio/ads/campaigns/{campaign.pk}/")
    assert page.content.count(b'data-testid="ad-preview"') == 1
    assert b"Ride more" in page.content

    client.post(f"/studio/ads/campaigns/{campaign.pk}/submit/")
    campaign.refresh_from_db()
    assert campaign.status == "in_review"


def test_another_advertiser_cannot_open_the_campaign_and_the_report_renders_a_chart():
    campaign = h.live_campaign()
    assert _client(h.make_advertiser(balance=0).user).get(f"/studio/ads/campaigns/{campaign.pk}/").status_code == 404
    page = _client(campaign.advertiser.user).get(f"/studio/ads/campaigns/{campaign.pk}/report/")
    assert page.status_code == 200
    assert b'data-testid="ab-verdict"' in page.content
    assert b"Billable impressions and clicks per day" in page.content


def test_a_creator_sees_their_share_of_ad_spend():
    import uuid

    from django.utils import timezone

    campaign = h.live_campaign()
    creator = UserFactory()
    AdSpendItem.objects.create(
        batch_id=uuid.uuid4(),
        campaign=campaign,
        creator_id=creator.pk,
        day=timezone.now().date(),
        micros=1000 * 10**6,
        posted_at=timezone.now(),
        charged=1000,
        creator_share=550,
    )
    page = _client(creator).get("/studio/ads/earnings/")
    assert b'<td data-label="Your share" class="num">550</td>' in page.content
