"""Ad review in the admin: moderators approve, reject with a reason, preview; invalid traffic; balances."""

import pytest

from ads.services import campaigns
from ads.services.writer import events_write_all
from tests.ads import helpers as h
from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def _in_review():
    campaign = campaigns.campaign_create(advertiser=h.make_advertiser(), data=h.campaign_data(name="Review me"))
    campaigns.ad_create(
        campaign=campaign, data={"format": "text", "headline": "Buy now", "destination_url": "https://a.example/"}
    )
    return campaigns.campaign_submit(campaign=campaign)


@pytest.fixture
def moderator():
    return verified_client(with_role(UserFactory(), "moderator"))


def test_the_index_counts_campaigns_to_review_and_the_page_previews_the_ads(moderator):
    campaign = _in_review()
    index = moderator.get("/admin/")
    assert "Ad campaigns to review" in index.content.decode()
    page = moderator.get(f"/admin/ads/campaign/{campaign.pk}/change/")
    assert page.status_code == 200
    assert "Buy now" in page.content.decode()
    assert "Sponsored" in page.content.decode()


def test_a_moderator_approves_and_rejects_with_a_reason(moderator):
    first, second = _in_review(), _in_review()
    moderator.post("/admin/ads/campaign/", {"action": "approve", "_selected_action": [first.pk]})
    asked = moderator.post("/admin/ads/campaign/", {"action": "reject", "_selected_action": [second.pk]})
    assert "reason" in asked.context["form"].fields
    moderator.post(
        "/admin/ads/campaign/",
        {"action": "reject", "_selected_action": [second.pk], "apply": "1", "reason": "Claims it cannot prove"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.reviewed_by.is_staff) == ("active", True)
    assert (second.status, second.rejection_reason) == ("rejected", "Claims it cannot prove")


def test_finance_cannot_review_but_sees_balances():
    campaign = _in_review()
    finance = verified_client(with_role(UserFactory(), "finance"))
    finance.post("/admin/ads/campaign/", {"action": "approve", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == "in_review"
    page = finance.get("/admin/ads/advertiser/")
    assert "1000.00 USD" in page.content.decode()


def test_invalid_traffic_is_listed_by_reason(moderator):
    h.live_campaign()
    bot = h.client(ua=h.GOOGLEBOT)
    h.view(h.offer(h.viewer(viewer_key=bot.viewer_key)).token, bot)
    events_write_all()
    page = moderator.get("/admin/ads/campaign/invalid-traffic/")
    assert page.status_code == 200
    assert "<tr><td>impression</td><td>bot</td><td>1</td></tr>" in page.content.decode()
