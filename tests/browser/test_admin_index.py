"""The admin index in Chromium: pending work with counts and links, at 1280 pixels."""

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Appeal, ModerationAction
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_a_moderator_sees_pending_appeals_on_the_index_and_opens_them(page):
    staff = UserFactory(email="admin@example.com", handle="boss", is_staff=True, is_superuser=True)
    code = services.backup_codes_regenerate(user=staff)[0]
    for handle in ("spammer", "troll"):
        user = UserFactory(handle=handle)
        action = ModerationAction.objects.create(user=user, kind="warning", reason="spam")
        Appeal.objects.create(action=action, user=user, message="It was not me")
    decided = UserFactory(handle="calm")
    Appeal.objects.create(
        action=ModerationAction.objects.create(user=decided, kind="warning", reason="spam"), user=decided,
        message="sorry", status="rejected", decided_at=timezone.now(), decision_reason="no",
    )  # fmt: skip
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/admin/")
    page.fill("#id_username", "admin@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    assert page.get_by_test_id("pending-appeals-count").inner_text() == "2"
    assert page.get_by_test_id("pending-failed-videos-count").inner_text() == "0"
    assert page.get_by_role("link", name="View site").get_attribute("href") == "/studio/"
    page.get_by_role("link", name="Appeals waiting for a decision").click()
    page.wait_for_url("**/admin/accounts/appeal/?status__exact=pending")
    assert page.locator("#result_list tbody tr").count() == 2
    results = page.locator(".results")
    assert results.evaluate("r => r.scrollWidth <= r.clientWidth")  # no column cut off at 1280
