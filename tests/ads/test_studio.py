"""The advertiser's studio pages: register, build a campaign with an ad, submit, read the report;
a creator's ad earnings."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ads.models import Ad, AdSpendItem, Advertiser, Campaign
from ads.services import campaigns
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
            "budget_total": "9.99",
            "bid_model": "cpm",
            "bid_amount": "9.00",
            "start_at": "2026-12-01T10:00",
            "pacing": "even",
        },
    )
    assert b"The total budget is at least 10.00 USD." in bad.content
    assert b"Total budget (USD)" in bad.content
    response = client.post(
        "/studio/ads/campaigns/new/",
        {
            "save_campaign": "1",
            "name": "Spring",
            "objective": "traffic",
            "budget_total": "50.00",
            "budget_daily": "12.34",
            "bid_model": "cpm",
            "bid_amount": "9.00",
            "start_at": "2026-12-01T10:00",
            "pacing": "even",
            "countries": "fr de",
            "regions": "FR-IDF",
            "placements": ["feed"],
            "weekdays": ["0", "4"],
            "hours": "22-2 12",
            "devices": ["mobile"],
            "age_min": "18",
            "age_max": "34",
            "genders": ["nonbinary"],
            "frequency_cap_total": "9",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert (campaign.countries, campaign.regions, campaign.placements) == (["DE", "FR"], ["FR-IDF"], ["feed"])
    assert (campaign.weekdays, campaign.hours) == ([0, 4], [0, 1, 12, 22, 23])
    assert (campaign.devices, campaign.age_min, campaign.age_max, campaign.genders) == (
        ["mobile"],
        18,
        34,
        ["nonbinary"],
    )
    assert campaign.frequency_cap_total == 9
    assert (campaign.budget_total, campaign.budget_daily, campaign.bid_amount) == (5000, 1234, 900)
    editor = client.get(f"/studio/ads/campaigns/{campaign.pk}/").content.decode()
    assert 'name="budget_total" value="50.00"' in editor  # shown again as typed, not in cents
    assert 'name="budget_daily" value="12.34"' in editor
    assert "In feeds (image and text ads)" in editor
    assert 'name="hours" value="12 22-2"' in editor
    bad_hours = client.post(f"/studio/ads/campaigns/{campaign.pk}/", {"save_campaign": "1", "hours": "9-9"})
    assert b"Hours run from 0 to 24, like 9-17." in bad_hours.content
    listing = client.get("/studio/ads/").content.decode()
    assert '<td data-label="Budget" class="num">50.00 USD</td>' in listing
    assert '<td data-label="Spent" class="num">0.00 USD</td>' in listing

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
    assert b'<td data-label="Ad spend" class="num">10.00 USD</td>' in page.content
    assert b'<td data-label="Your share" class="num">5.50 USD</td>' in page.content


def test_an_advertiser_tops_up_in_the_studio_with_a_saved_card_once_per_submit(stripe_peer):
    from billing.models import Payment
    from billing.services.customers import payment_method_save, payment_methods_list

    advertiser = h.make_advertiser(balance=0)
    client = _client(advertiser.user)
    page = client.get("/studio/ads/").content.decode()
    assert 'data-testid="no-card"' in page  # no saved card yet: how to get one, no form
    assert 'name="top_up"' not in page
    assert "<dd>0.00 <small>USD</small></dd>" in page

    payment_method_save(user=advertiser.user, payment_method_id="pm_card_visa", make_default=True)
    (card,) = payment_methods_list(user=advertiser.user)
    page = client.get("/studio/ads/").content.decode()
    assert f'<option value="{card.id}" selected>Visa ending 4242, expires' in page
    form = {"top_up": "1", "amount": "25.50", "payment_method": card.id, "idempotency_key": "submit-1"}

    response = client.post("/studio/ads/", form, follow=True)
    again = client.post("/studio/ads/", form, follow=True)  # the same form sent twice

    assert b"25.50 USD added to your balance." in response.content
    assert b"<dd>25.50 <small>USD</small></dd>" in again.content
    assert Payment.objects.filter(purpose="ad_topup").count() == 1
    assert campaigns.advertiser_balance(advertiser=advertiser) == 2550

    too_small = client.post("/studio/ads/", {**form, "amount": "0.10", "idempotency_key": "submit-2"})
    assert b"The smallest amount in USD is 0.50 USD." in too_small.content
    other = h.make_advertiser(balance=0)  # another's card is not theirs to charge
    payment_method_save(user=other.user, payment_method_id="pm_card_visa", make_default=True)
    stolen = _client(other.user).post("/studio/ads/", {**form, "idempotency_key": "submit-3"})
    assert f"Select a valid choice. {card.id} is not one of the available choices." in stolen.content.decode()
    assert Payment.objects.filter(purpose="ad_topup").count() == 1


def test_the_campaign_editor_groups_every_field_once():
    from ads.dashboard.forms import CampaignForm

    grouped = [name for _, names in CampaignForm.SECTIONS for name in names]
    assert sorted(grouped) == sorted(CampaignForm(currency="usd").fields)
    assert len(grouped) == len(set(grouped))
