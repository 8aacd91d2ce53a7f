"""The ads API: advertisers' endpoints (owner, other, anonymous, bad input) and clients' beacons,
the home feed's slots and the video pre-roll."""

import pytest
from rest_framework.test import APIClient

from ads.models import AdClick, AdEventBuffer, AdImpression, Campaign
from ads.services.rollup import stats_rollup
from ads.services.writer import events_write_all
from tests.ads import helpers as h
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/ads"


def _client(user=None, ua=h.CHROME) -> APIClient:
    client = APIClient(HTTP_USER_AGENT=ua, REMOTE_ADDR="203.0.113.7", HTTP_CLOUDFRONT_VIEWER_COUNTRY="FR")
    if user is not None:
        client.force_authenticate(user)
    return client


def _code(response) -> str:
    return response.json()["errors"][0]["code"]


CAMPAIGN = {
    "name": "Launch",
    "budget_total": 20000,
    "bid_model": "cpm",
    "bid_amount": 1500,
    "start_at": "2026-01-01T00:00:00Z",
    "countries": ["FR"],
    "placements": ["feed"],
}


def test_an_advertiser_builds_a_campaign_and_submits_it():
    user = UserFactory()
    api = _client(user)
    assert _code(api.get(f"{API}/campaigns/")) == "not_an_advertiser"
    response = api.post(f"{API}/advertiser/", {"name": "Acme", "timezone": "Europe/Paris"}, format="json")
    assert response.status_code == 201
    assert response.json()["balance"] == 0

    response = api.post(f"{API}/campaigns/", CAMPAIGN, format="json")
    assert response.status_code == 201, response.json()
    campaign_id = response.json()["id"]
    assert response.json()["status"] == "draft"
    response = api.post(
        f"{API}/campaigns/{campaign_id}/ads/",
        {"format": "text", "headline": "Hello", "destination_url": "https://acme.example/"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    response = api.post(f"{API}/campaigns/{campaign_id}/submit/")
    assert (response.status_code, response.json()["status"]) == (200, "in_review")
    assert _code(api.patch(f"{API}/campaigns/{campaign_id}/", {"name": "x"}, format="json")) == "campaign_not_editable"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"budget_total": 10}, 400, "budget_too_small"),
        ({"countries": ["ZZ"]}, 400, "country_unknown"),
        ({"placements": ["sky"]}, 400, "placement_unknown"),
        ({"start_at": "2026-05-01T00:00:00Z", "end_at": "2026-04-01T00:00:00Z"}, 400, "end_before_start"),
        ({"bid_model": "cpa"}, 400, "invalid_choice"),
    ],
)
def test_bad_campaigns_get_stable_codes(change, status, code):
    advertiser = h.make_advertiser(balance=0)
    response = _client(advertiser.user).post(f"{API}/campaigns/", {**CAMPAIGN, **change}, format="json")
    assert (response.status_code, _code(response)) == (status, code)
    assert Campaign.objects.count() == 0


def test_another_advertisers_campaign_is_not_found_and_anonymous_is_refused():
    campaign = h.live_campaign()
    other = h.make_advertiser(balance=0)
    assert _client(other.user).get(f"{API}/campaigns/{campaign.pk}/").status_code == 404
    assert _client(other.user).get(f"{API}/campaigns/{campaign.pk}/report/").status_code == 404
    assert _client().get(f"{API}/campaigns/").status_code == 401
    assert _client(campaign.advertiser.user).get(f"{API}/campaigns/{campaign.pk}/").json()["status"] == "active"


def test_oversized_and_unreadable_ad_images_are_refused(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ADS_MAX_IMAGE_BYTES = 100
    campaign = Campaign.objects.get(pk=h.live_campaign().pk)
    api = _client(campaign.advertiser.user)
    big = SimpleUploadedFile("a.png", b"\x89PNG" + b"0" * 200, content_type="image/png")
    response = api.post(
        f"{API}/campaigns/{campaign.pk}/ads/",
        {"format": "image", "headline": "x", "destination_url": "https://a.example/", "image": big},
        format="multipart",
    )
    assert (response.status_code, _code(response)) == (413, "ad_media_too_large")


def test_decision_view_click_and_report_over_http():
    campaign = h.live_campaign(bid_model="cpc", bid_amount=120)
    viewer = _client()
    decision = viewer.get(f"{API}/decision/", {"placement": "feed"}).json()
    assert decision["ad"]["headline"] == "Ad 0"
    assert "explain" not in decision
    response = viewer.post(
        f"{API}/beacons/view/", {"offer": decision["offer"], "visible_ratio": 0.8, "visible_ms": 1100}, format="json"
    )
    assert response.status_code == 204
    response = viewer.get(decision["click_url"])
    assert response.status_code == 302
    assert response["Location"].startswith("https://shop.example.com/sale?fanfare_click_id=")
    events_write_all()
    assert AdImpression.objects.get().billable
    assert AdClick.objects.get().billable
    stats_rollup(day=AdClick.objects.get().created_at.date())

    owner = _client(campaign.advertiser.user)
    rows = owner.get(f"{API}/campaigns/{campaign.pk}/report/", {"by": "placement"}).json()
    assert [(r["key"], r["impressions"], r["clicks"], r["spend"]) for r in rows] == [("feed", 1, 1, 120.0)]
    csv = owner.get(f"{API}/campaigns/{campaign.pk}/report/", {"export": "csv"})
    assert csv["Content-Type"] == "text/csv"
    assert csv.content.decode().splitlines()[0].startswith("key,impressions,viewable,viewable_rate")
    assert _code(owner.get(f"{API}/campaigns/{campaign.pk}/report/", {"by": "hour"})) == "invalid_group"

    click_id = response["Location"].split("=")[-1]
    conversion = owner.post(f"{API}/conversions/", {"click_id": click_id, "value": 999}, format="json")
    assert conversion.status_code == 201
    assert _code(owner.post(f"{API}/conversions/", {"click_id": click_id}, format="json")) == "conversion_exists"
    stranger = _client(h.make_advertiser(balance=0).user)
    assert _code(stranger.post(f"{API}/conversions/", {"click_id": click_id}, format="json")) == "click_not_found"


def test_bad_beacons_are_refused_and_nothing_is_recorded():
    h.live_campaign()
    decision = _client().get(f"{API}/decision/", {"placement": "feed"}).json()
    AdEventBuffer.objects.all().delete()
    bad = _client().post(
        f"{API}/beacons/view/", {"offer": "forged", "visible_ratio": 1, "visible_ms": 1000}, format="json"
    )
    assert (bad.status_code, _code(bad)) == (400, "offer_token_invalid")
    foreign = _client(UserFactory()).post(
        f"{API}/beacons/view/", {"offer": decision["offer"], "visible_ratio": 1, "visible_ms": 1000}, format="json"
    )
    assert (foreign.status_code, _code(foreign)) == (403, "offer_token_foreign")
    assert _client().get(f"{API}/click/", {"offer": "nope"}).status_code == 400
    assert _code(_client().get(f"{API}/decision/", {"placement": "billboard"})) == "placement_unknown"
    assert AdEventBuffer.objects.count() == 0


def test_staff_see_why_each_campaign_was_or_was_not_served():
    served = h.live_campaign()
    german = h.live_campaign(countries=["DE"])
    staff = UserFactory(is_staff=True)
    body = _client(staff).get(f"{API}/decision/", {"placement": "feed", "explain": "1"}).json()
    assert body["explain"]["reason"] == "served"
    assert body["explain"]["campaigns"] == {str(served.pk): "served", str(german.pk): "targeting_country"}


def test_the_home_feed_gets_a_sponsored_slot_every_n_items(settings):
    from tests.content.post_factories import make_post

    settings.ADS_FEED_SLOT_EVERY = 3
    h.live_campaign()
    reader = UserFactory()
    for index in range(7):
        make_post(reader, text=f"post {index}")
    body = _client(reader).get("/api/v1/feed/home/", {"page_size": 7}).json()
    assert len(body["results"]) == 7
    assert [slot["position"] for slot in body["sponsored"]] == [3, 6]
    assert body["sponsored"][0]["ad"]["headline"] == "Ad 0"


def test_the_feed_reads_the_viewers_ad_profile_only_when_a_campaign_may_show_and_follows_it(settings):
    """No campaign in the feed placement: the page reads no ad profile (nothing could use it).
    With one, the viewer's block of its advertiser, then the block's end, show in the next page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ads.models import AdvertiserBlock
    from tests.content.post_factories import make_post

    settings.ADS_FEED_SLOT_EVERY = 3
    reader = UserFactory()
    for index in range(3):
        make_post(reader, text=f"post {index}")
    client = _client(reader)

    def page():
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/v1/feed/home/", {"page_size": 3}).json()
        profile_reads = sum("ads_vieweradprofile" in query["sql"] for query in captured.captured_queries)
        return [slot["position"] for slot in body["sponsored"]], profile_reads

    h.live_campaign(placements=["preroll"], fmt="video")  # live, but not in the feed
    assert page() == ([], 0)
    campaign = h.live_campaign()
    assert page() == ([3], 1)
    block = AdvertiserBlock.objects.create(user=reader, advertiser=campaign.advertiser)
    assert page() == ([], 1)
    block.delete()
    assert page() == ([3], 1)


def test_a_monetized_video_gets_a_pre_roll_and_an_opted_out_one_does_not():
    from tests.content.video_factories import VideoFactory

    h.live_campaign(fmt="video", placements=["preroll"])
    creator = UserFactory()
    monetized = VideoFactory(owner=creator, monetized=True, status="ready", visibility="public")
    plain = VideoFactory(owner=creator, monetized=False, status="ready", visibility="public")
    viewer = _client(UserFactory(email_verified_at="2026-01-01T00:00:00Z"))
    preroll = viewer.get(f"/api/v1/videos/{monetized.pk}/").json()["monetization"]["preroll"]
    assert preroll["ad"]["format"] == "video"
    from ads.offers import offer_read

    assert offer_read(preroll["offer"])["cr"] == str(creator.pk)  # the creator's share follows the offer
    assert "preroll" not in viewer.get(f"/api/v1/videos/{plain.pk}/").json()["monetization"]
