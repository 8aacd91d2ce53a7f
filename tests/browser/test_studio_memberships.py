"""The studio's Memberships page in Chromium: create, edit and archive a tier, see members, give
a membership; and at 390 px without scrolling sideways. Tiers are made at the local Stripe peer."""

from __future__ import annotations

import re

import pytest

from billing.models import Membership, MembershipTier
from tests.billing.conftest import stripe_peer  # noqa: F401 (the fixture: a fresh peer over HTTP)
from tests.browser.test_studio_pages import assert_fits_a_phone, log_in
from tests.content.video_factories import VerifiedUserFactory

pytestmark = pytest.mark.browser


def test_memberships_tiers_members_and_gifts(page, stripe_peer):  # noqa: F811
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    fan = VerifiedUserFactory(handle="fan_one")
    log_in(page, creator, "/studio/memberships/")
    assert page.get_by_test_id("tiers-empty").is_visible()
    assert page.get_by_test_id("members-empty").is_visible()

    page.get_by_test_id("tier-new").click()
    page.fill("#id_name", "Gold")
    page.fill("#id_benefits", "Badge in chat\nMembers-only videos")
    page.fill("#id_position", "1")
    page.fill("#id_trial_days", "7")
    page.select_option("#id_currency", "usd")
    page.fill("#id_monthly", "4.99")
    page.get_by_test_id("tier-form").get_by_role("button", name=re.compile("Create|Save")).click()
    page.wait_for_url("**/studio/memberships/")
    assert page.locator(".messages").inner_text() == "Tier “Gold” created."
    tier = MembershipTier.objects.get(creator=creator)
    assert (tier.trial_days, tier.benefits) == (7, ["Badge in chat", "Members-only videos"])
    assert [(p.amount, p.interval) for p in tier.prices.all()] == [(499, "month")]
    row = page.locator(f'tr[data-tier="{tier.pk}"]')
    assert "4.99 USD/month" in row.inner_text()

    row.get_by_role("link", name="Edit").click()
    page.fill("#id_monthly", "5.99")
    page.get_by_test_id("tier-form").get_by_role("button", name=re.compile("Create|Save")).click()
    page.wait_for_url("**/studio/memberships/")
    assert sorted((p.amount, p.active) for p in tier.prices.all()) == [(499, False), (599, True)]

    gift = page.get_by_test_id("gift-form")
    gift.locator("#id_viewer").fill("@fan_one")
    gift.locator("#id_months").fill("3")
    gift.get_by_role("button", name="Give").click()
    page.wait_for_url("**/studio/memberships/")
    assert page.locator(".messages").inner_text() == "@fan_one is now a member (Gold)."
    assert page.get_by_test_id("member").inner_text().split("\n")[0].startswith("@fan_one")
    assert Membership.objects.get(viewer=fan).kind == "gift"

    assert_fits_a_phone(page, "/studio/memberships/")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/studio/memberships/")
    page.locator(f'tr[data-tier="{tier.pk}"]').get_by_test_id("tier-archive").click()
    page.wait_for_url("**/studio/memberships/")
    assert page.locator(".messages").inner_text() == "Tier “Gold” archived; its members keep it."
    assert Membership.objects.get(viewer=fan).status == "active"
    assert_fits_a_phone(page, "/studio/memberships/tiers/new/")
