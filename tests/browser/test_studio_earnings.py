"""The studio's Earnings page in Chromium: empty, then with earnings; payout onboarding through the
local Stripe peer's onboarding page and back; at 1280 and 390 pixels wide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import ConnectAccount, Payment
from billing.services.payments import payment_create
from billing.services.payouts import earnings_release
from tests.billing.conftest import stripe_peer  # noqa: F401 (fixture)
from tests.browser.test_studio_pages import PHONE, log_in
from tests.content.video_factories import VerifiedUserFactory

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


def test_earnings_empty_then_with_money_and_onboarding_round_trip(page, stripe_peer):  # noqa: F811
    creator = VerifiedUserFactory(email="earner@example.com", handle="earner")
    page.set_viewport_size(DESKTOP)
    log_in(page, creator, "/studio/earnings/")

    # empty: no balances, an empty chart that says why, no payouts
    assert page.get_by_test_id("balances-empty").is_visible()
    assert "No earnings in these 90 days yet" in page.get_by_test_id("chart-empty-revenue").inner_text()
    assert page.get_by_test_id("payouts-empty").is_visible()

    # a tip, past the hold period: available; a recent one: pending
    fan = VerifiedUserFactory()
    for key, amount in (("old", 10_000), ("new", 2_000)):
        payment_create(payer=fan, beneficiary=creator, purpose=Payment.Purpose.TIP, amount=amount, currency="usd",
                       idempotency_key=f"tip:{key}", payment_method_id="pm_card_visa")  # fmt: skip
        if key == "old":
            earnings_release(now=timezone.now() + dt.timedelta(days=8))
    page.reload()
    assert page.get_by_test_id("available-usd").inner_text().startswith("91.96 USD")
    assert page.get_by_test_id("pending-usd").inner_text() == "18.16 USD"  # 95% of (2000 - 88), rounded down
    assert page.locator(".chart-plot svg, .chart-plot .main-svg").first.is_visible()

    # onboarding: Stripe's (the peer's) page, then back to the studio with the status
    page.get_by_test_id("connect-onboard").click()
    page.wait_for_url("**/_peer/connect/onboard/**")
    page.get_by_role("button", name="Submit details").click()
    page.wait_for_url("**/studio/earnings/?connect=return")
    assert "Enabled" in page.get_by_test_id("connect-status").inner_text()
    assert ConnectAccount.objects.get(user=creator).status == "enabled"

    # a phone: no sideways scroll
    page.set_viewport_size(PHONE)
    page.goto("/studio/earnings/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_test_id("menu-toggle").click()
    assert page.get_by_role("navigation", name="Studio").get_by_role("link", name="Earnings").is_visible()
