"""Beacons and the writer: viewability, once per offer, every invalid-traffic reason, bad tokens."""

import datetime as dt

import pytest
from django.core import signing
from django.utils import timezone

from ads.models import AdClick, AdEventBuffer, AdImpression
from ads.offers import OfferTokenError
from ads.services.writer import events_write_all
from core.errors import PermissionDeniedError
from tests.ads import helpers as h
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("writer_path")]


def _impressions():
    return list(AdImpression.objects.order_by("event_at", "id").values_list("viewable", "billable", "invalid_reason"))


@pytest.mark.parametrize(
    ("fmt", "placement", "ratio", "ms", "viewable"),
    [
        ("image", "feed", 0.5, 1000, True),
        ("image", "feed", 0.49, 5000, False),
        ("image", "feed", 1.0, 999, False),
        ("video", "preroll", 1.0, 1999, False),
        ("video", "preroll", 0.5, 2000, True),
    ],
)
def test_the_viewability_rule(fmt, placement, ratio, ms, viewable):
    h.live_campaign(fmt=fmt)
    c = h.client()
    h.view(h.offer(h.viewer(viewer_key=c.viewer_key, placement=placement)).token, c, ratio=ratio, ms=ms)
    events_write_all()
    assert _impressions() == [(viewable, viewable, "")]


def test_an_offer_counts_once():
    h.live_campaign()
    c = h.client()
    token = h.offer(h.viewer(viewer_key=c.viewer_key)).token
    h.view(token, c, ratio=0.2, ms=100)  # not viewable yet: recorded, not billed, not a reuse
    h.view(token, c)
    events_write_all()
    h.view(token, c)  # a later batch
    events_write_all()
    assert _impressions() == [(False, False, ""), (True, True, ""), (True, False, "token_reused")]


def test_a_click_counts_once_and_only_after_a_view():
    campaign = h.live_campaign(bid_model="cpc", bid_amount=100)
    c = h.client()
    v = h.viewer(viewer_key=c.viewer_key)
    unseen, seen = h.offer(v, seed=1).token, h.offer(v, seed=2).token
    h.click(unseen, c)
    h.view(seen, c)
    h.click(seen, c)
    h.click(seen, c)
    events_write_all()
    clicks = list(AdClick.objects.order_by("event_at", "id").values_list("billable", "invalid_reason", "cost_micros"))
    assert clicks == [(False, "click_without_view", 0), (True, "", 100_000_000), (False, "token_reused", 0)]
    assert campaign.pk == AdClick.objects.filter(billable=True).get().campaign_id


@pytest.mark.parametrize(
    ("client", "reason"),
    [
        ({"ua": h.GOOGLEBOT}, "bot"),
        ({"ua": ""}, "bot"),
        ({"ua": h.FIREFOX}, "ua_changed"),
        ({"ip": "10.1.2.3"}, "internal"),
    ],
)
def test_invalid_traffic_is_recorded_with_its_reason_and_never_billed(settings, client, reason):
    settings.ADS_INTERNAL_NETWORKS = ["10.0.0.0/8"]
    h.live_campaign()
    user = UserFactory()  # signed in: the offer is bound to the account, whatever the browser says
    token = h.offer(h.viewer(viewer_key=f"user:{user.pk}", user=user)).token
    h.view(token, h.client(user=user, **client))
    events_write_all()
    assert _impressions() == [(True, False, reason)]


def test_staff_and_the_advertisers_own_views_are_not_billed():
    campaign = h.live_campaign()
    staff = UserFactory(is_staff=True)
    own = campaign.advertiser.user
    for user in (staff, own):
        c = h.client(user=user)
        h.view(h.offer(h.viewer(viewer_key=c.viewer_key, user=user)).token, c)
    events_write_all()
    assert _impressions() == [(True, False, "internal"), (True, False, "own_ad")]


def test_an_expired_token_is_recorded_as_such(settings, monkeypatch):
    h.live_campaign()
    c = h.client()
    token = h.offer(h.viewer(viewer_key=c.viewer_key)).token
    h.view(token, c)
    AdEventBuffer.objects.update(received_at=timezone.now() + dt.timedelta(seconds=settings.ADS_OFFER_TTL_SECONDS + 5))
    events_write_all()
    assert _impressions() == [(True, False, "token_expired")]


def test_too_many_events_from_one_address_are_rate_limited(settings):
    settings.ADS_MAX_EVENTS_PER_MINUTE = 3
    h.live_campaign()
    c = h.client()
    v = h.viewer(viewer_key=c.viewer_key)
    for seed in range(5):
        h.view(h.offer(v, seed=seed).token, c)
    events_write_all()
    assert [row[2] for row in _impressions()] == ["", "", "", "rate_limited", "rate_limited"]


def test_forged_and_foreign_tokens_are_refused_and_nothing_is_recorded():
    h.live_campaign()
    c = h.client()
    token = h.offer(h.viewer(viewer_key=c.viewer_key)).token
    AdEventBuffer.objects.all().delete()
    forged = signing.dumps({"o": "x", "k": c.viewer_key}, salt="someone-else")
    with pytest.raises(OfferTokenError) as error:
        h.view(forged, c)
    assert error.value.code == "offer_token_invalid"
    with pytest.raises(OfferTokenError):
        h.view(token[:-3] + "abc", c)
    with pytest.raises(PermissionDeniedError) as error:
        h.view(token, h.client(ip="198.51.100.9"))  # another anonymous viewer
    assert error.value.code == "offer_token_foreign"
    with pytest.raises(PermissionDeniedError):
        h.click(token, h.client(user=UserFactory()))
    assert AdEventBuffer.objects.count() == 0


def test_addresses_are_stored_anonymised():
    from ads.traffic import anonymise_ip

    assert anonymise_ip("203.0.113.77") == "203.0.113.0"
    assert anonymise_ip("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::"
    assert anonymise_ip("not an ip") == ""
