"""Campaigns: validation with stable codes, the status machine, top-up through billing."""

import datetime as dt

import pytest
from django.utils import timezone

from ads.models import Campaign
from ads.services import campaigns
from ads.targeting import AdInputError
from billing import chart
from billing.selectors import balance_of
from core.errors import ConflictError
from tests.ads import helpers as h

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"budget_total": 999}, "budget_too_small"),
        ({"budget_daily": 99}, "budget_too_small"),
        ({"budget_daily": 60_000}, "daily_budget_over_total"),
        ({"end_at": timezone.now() - dt.timedelta(days=2)}, "end_before_start"),
        ({"countries": ["FR", "XX"]}, "country_unknown"),
        ({"regions": ["US-ZZ"]}, "region_unknown"),
        ({"languages": ["xx"]}, "language_unknown"),
        ({"placements": ["feed", "billboard"]}, "placement_unknown"),
        ({"devices": ["fridge"]}, "device_unknown"),
        ({"genders": ["inferred"]}, "gender_unknown"),
        ({"hours": [24]}, "hours_invalid"),
        ({"weekdays": [7]}, "weekdays_invalid"),
        ({"age_min": 30, "age_max": 20}, "age_range_invalid"),
        ({"interests": ["not a tag"]}, "interest_invalid"),
    ],
)
def test_bad_campaign_input_is_refused_with_its_code(overrides, code):
    advertiser = h.make_advertiser(balance=0)
    with pytest.raises(AdInputError) as error:
        campaigns.campaign_create(advertiser=advertiser, data=h.campaign_data(**overrides))
    assert error.value.code == code
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("javascript:alert(1)", "destination_invalid"),
        ("ftp://example.com/x", "destination_invalid"),
        ("https://", "destination_invalid"),
        ("http://localhost/admin/", "destination_forbidden"),
        ("http://127.0.0.1/admin/ads/", "destination_forbidden"),
        ("http://10.0.0.8/landing", "destination_forbidden"),
    ],
)
def test_destinations_are_http_and_never_the_platform_admin(url, code):
    campaign = campaigns.campaign_create(advertiser=h.make_advertiser(balance=0), data=h.campaign_data())
    with pytest.raises(AdInputError) as error:
        campaigns.ad_create(campaign=campaign, data={"format": "text", "headline": "Hi", "destination_url": url})
    assert error.value.code == code


def test_the_status_machine_moves_only_along_its_edges():
    advertiser = h.make_advertiser(balance=0)
    campaign = campaigns.campaign_create(advertiser=advertiser, data=h.campaign_data())
    with pytest.raises(ConflictError) as error:
        campaigns.campaign_submit(campaign=campaign)
    assert error.value.code == "campaign_has_no_ads"
    campaigns.ad_create(
        campaign=campaign, data={"format": "text", "headline": "Hi", "destination_url": "https://a.example/"}
    )
    with pytest.raises(ConflictError) as error:
        campaigns.campaign_approve(campaign=campaign, by=None)
    assert error.value.code == "campaign_state"

    campaign = campaigns.campaign_submit(campaign=campaign)
    with pytest.raises(AdInputError) as error:
        campaigns.campaign_reject(campaign=campaign, by=None, reason=" ")
    assert error.value.code == "reason_required"
    campaign = campaigns.campaign_reject(campaign=campaign, by=None, reason="Misleading claim")
    assert (campaign.status, campaign.rejection_reason) == ("rejected", "Misleading claim")
    campaign = campaigns.campaign_submit(campaign=campaign)
    assert (campaign.status, campaign.rejection_reason) == ("in_review", "")
    campaign = campaigns.campaign_approve(campaign=campaign, by=None)
    assert campaigns.campaign_pause(campaign=campaign).status == "paused"
    assert campaigns.campaign_resume(campaign=campaign).status == "active"
    assert campaigns.campaign_complete(campaign=campaign, reason="by_advertiser").status == "completed"
    with pytest.raises(ConflictError):
        campaigns.campaign_resume(campaign=campaign)


def test_a_campaign_past_its_end_completes_by_itself():
    campaign = h.live_campaign(end_at=timezone.now() + dt.timedelta(hours=1))
    assert campaigns.campaigns_ended_complete(now=timezone.now() + dt.timedelta(hours=2)) == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.completed_reason) == ("completed", "ended")


def test_registering_gives_the_advertiser_role_once():
    advertiser = h.make_advertiser(balance=0)
    again = campaigns.advertiser_register(user=advertiser.user, name="Other")
    assert again.pk == advertiser.pk
    assert list(advertiser.user.groups.values_list("name", flat=True)) == ["advertiser"]


def test_a_top_up_is_a_card_payment_posted_to_the_prepaid_balance(stripe_peer):
    advertiser = h.make_advertiser(balance=0)

    payment = campaigns.advertiser_top_up(
        advertiser=advertiser, amount=5000, idempotency_key="t1", payment_method_id="pm_card_visa"
    )
    again = campaigns.advertiser_top_up(
        advertiser=advertiser, amount=5000, idempotency_key="t1", payment_method_id="pm_card_visa"
    )

    assert again.pk == payment.pk
    assert (payment.status, payment.purpose) == ("succeeded", "ad_topup")
    assert balance_of(account=chart.advertiser_prepaid(advertiser.user_id), currency="usd") == -5000
    assert campaigns.advertiser_balance(advertiser=advertiser) == 5000
