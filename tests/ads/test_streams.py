"""Ads beside live streams: the stream page carries a ``stream_side`` ad, billed and shared like a
video's pre-roll, under the same rules (members-only, the creator's opt-out, blocks, caps)."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ads.models import AdClick, AdImpression
from ads.offers import offer_read
from ads.services.spend import spend_post
from ads.services.writer import events_write_all
from billing import chart
from billing.selectors import balance_of
from streaming.models import LiveStream
from tests.ads import helpers as h
from tests.factories import UserFactory
from tests.streaming.factories import LiveStreamFactory, stream_root  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stream_root")]


def _client(user=None) -> APIClient:
    client = APIClient(HTTP_USER_AGENT=h.CHROME, REMOTE_ADDR="203.0.113.7", HTTP_CLOUDFRONT_VIEWER_COUNTRY="FR")
    if user is not None:
        client.force_authenticate(user)
    return client


def _live(**fields) -> LiveStream:
    return LiveStreamFactory(status=LiveStream.Status.LIVE, started_at=timezone.now(), **fields)


def _sponsored(client: APIClient, stream: LiveStream):
    response = client.get(f"/api/v1/streams/{stream.pk}/")
    assert response.status_code == 200, response.content
    return response.json().get("sponsored")


def test_a_live_stream_page_carries_an_ad_whose_view_and_click_bill_and_share_with_the_creator(settings):
    settings.ADS_CREATOR_SHARE_BPS = 5500
    campaign = h.live_campaign(fmt="text", placements=["stream_side"], bid_model="cpm", bid_amount=3333)
    stream = _live()
    client = _client()

    sponsored = _sponsored(client, stream)
    assert sponsored["ad"]["format"] == "text"
    offer = offer_read(sponsored["offer"])
    assert (offer["p"], offer["c"], offer["cr"]) == ("stream_side", str(campaign.pk), str(stream.owner_id))

    view = client.post(sponsored["view_url"], {"offer": sponsored["offer"], "visible_ratio": 0.8, "visible_ms": 1200})
    assert view.status_code == 204
    click = client.get(sponsored["click_url"])
    assert click.status_code == 302
    events_write_all()
    impression = AdImpression.objects.get()
    assert (impression.placement, impression.creator_id, impression.billable) == (
        "stream_side",
        stream.owner_id,
        True,
    )
    assert AdClick.objects.get().billable is True  # a CPM campaign: billed per impression, the click is valid

    assert spend_post() == 3  # 3.333 -> 3, the rest carried
    assert balance_of(account=chart.creator(stream.owner_id, "pending"), currency="usd") == -1  # 55% of 3
    assert balance_of(account=chart.revenue("ads"), currency="usd") == -2


def test_no_stream_ad_for_its_owner_an_ended_stream_or_a_creator_who_opted_out():
    h.live_campaign(fmt="text", placements=["stream_side"])
    stream = _live()
    assert _sponsored(_client(), stream) is not None
    assert _sponsored(_client(stream.owner), stream) is None  # the owner sees their page without ads
    assert _sponsored(_client(), LiveStreamFactory(status=LiveStream.Status.SCHEDULED)) is None

    # the creator opts out through the API: the next page has no ad (and the decision says why)
    owner = _client(stream.owner)
    assert (
        owner.patch(f"/api/v1/streams/{stream.pk}/", {"monetized": False}, format="json").json()["monetized"] is False
    )
    assert _sponsored(_client(), stream) is None
    staff = _client(UserFactory(is_staff=True))
    explained = staff.get("/api/v1/ads/decision/", {"placement": "stream_side", "stream": stream.pk, "explain": 1})
    assert explained.json()["explain"]["reason"] == "content_not_monetized"


@pytest.mark.parametrize("fields", [{"visibility": "subscribers"}, {"minimum_tier": 2}])
def test_no_ads_beside_members_only_streams(fields):
    h.live_campaign(fmt="text", placements=["stream_side"])
    stream = _live(**fields)
    staff = _client(UserFactory(is_staff=True))
    explained = staff.get("/api/v1/ads/decision/", {"placement": "stream_side", "stream": stream.pk, "explain": 1})
    assert explained.json()["ad"] is None
    assert explained.json()["explain"]["reason"] == "members_only"


def test_a_blocked_advertiser_and_a_reached_frequency_cap_take_the_ad_off_the_stream_page():
    campaign = h.live_campaign(fmt="text", placements=["stream_side"], frequency_cap_day=1)
    stream = _live()
    viewer = UserFactory(email_verified_at=timezone.now())
    client = _client(viewer)
    sponsored = _sponsored(client, stream)
    assert sponsored is not None
    assert client.post(f"/api/v1/ads/advertisers/{campaign.advertiser_id}/block/").status_code == 204
    assert _sponsored(client, stream) is None
    assert client.delete(f"/api/v1/ads/advertisers/{campaign.advertiser_id}/block/").status_code == 204
    assert _sponsored(client, stream) is not None

    client.post(sponsored["view_url"], {"offer": sponsored["offer"], "visible_ratio": 1.0, "visible_ms": 1500})
    events_write_all()
    assert AdImpression.objects.get().billable is True
    assert _sponsored(client, stream) is None  # one a day for this viewer
    assert _sponsored(_client(UserFactory(email_verified_at=timezone.now())), stream) is not None
