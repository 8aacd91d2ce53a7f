"""The advertiser's studio pages in Chromium: the ad preview follows what is typed, and every ads
page works on a 390-pixel-wide phone without scrolling sideways."""

from __future__ import annotations

import pytest

from tests.ads import helpers as h
from tests.browser.test_studio_pages import PHONE, log_in

pytestmark = pytest.mark.browser


def test_ads_pages_preview_the_ad_and_fit_a_phone(page):
    campaign = h.live_campaign(ads=2)
    campaign.ads.filter(name="variant 0").update(
        headline="A very long headline that must wrap rather than push the page sideways on a phone",
        destination_url="https://shop.example.com/" + "x" * 150,
    )
    user = campaign.advertiser.user
    log_in(page, user, "/studio/ads/")

    page.goto(f"/studio/ads/campaigns/{campaign.pk}/")
    page.fill('[data-testid="ad-form"] [name="headline"]', "Ride further")
    assert page.locator("#preview-headline").inner_text() == "Ride further"

    page.set_viewport_size(PHONE)
    for path in (
        "/studio/ads/",
        f"/studio/ads/campaigns/{campaign.pk}/",
        f"/studio/ads/campaigns/{campaign.pk}/report/",
        "/studio/ads/campaigns/new/",
        "/studio/ads/earnings/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
