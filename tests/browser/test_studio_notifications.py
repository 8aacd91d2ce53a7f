"""The studio's notifications in Chromium: the inbox gets a new notification live over the
notifications WebSocket (with the count in the header), marks read, and the settings page."""

from __future__ import annotations

import pytest

from notifications.models import Notification, NotificationSettings
from notifications.services import notify
from tests.content.video_factories import VerifiedUserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def log_in(page, user, path: str) -> None:
    page.goto(f"/studio/login/?next={path}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")


def test_the_inbox_receives_a_notification_live_and_marks_it_read(page, browser, asgi_server):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    fan = VerifiedUserFactory(email="fan@example.com", handle="fan", display_name="Fan Person")
    log_in(page, creator, "/studio/notifications/")
    assert page.get_by_test_id("inbox-empty").is_visible()
    assert page.get_by_test_id("unread-count").get_attribute("data-count") == "0"
    page.wait_for_function("document.body.dataset.notificationsLive === '1'")

    # the fan follows the creator through the API, from their own browser session
    other = browser.new_context(base_url=asgi_server)
    fan_page = other.new_page()
    log_in(fan_page, fan, "/studio/")
    token = next(c["value"] for c in other.cookies() if c["name"] == "csrftoken")
    answer = other.request.post("/api/v1/social/users/creator/follow/", headers={"X-CSRFToken": token})
    assert answer.status == 200, answer.text()
    other.close()

    item = page.get_by_test_id("notification").first
    item.wait_for()
    assert item.locator(".text").inner_text() == "Fan Person started following you"
    assert item.get_attribute("class") == "unread"
    assert not page.get_by_test_id("inbox-empty").is_visible()
    page.wait_for_function("document.getElementById('unread-count').dataset.count === '1'")

    item.get_by_role("button", name="Mark read").click()
    page.wait_for_url("**/studio/notifications/")
    assert page.get_by_test_id("notification").first.get_attribute("class") == ""
    assert page.get_by_test_id("unread-count").get_attribute("data-count") == "0"
    assert Notification.objects.get(recipient=creator).read_at is not None

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_mark_all_read_and_the_unread_filter(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    for kind in ("follow", "mention"):
        notify(recipient=creator, kind=kind, actor=VerifiedUserFactory())
    log_in(page, creator, "/studio/notifications/?show=unread")
    assert page.get_by_test_id("notification").count() == 2
    assert page.get_by_test_id("unread-count").inner_text() == "2"

    page.get_by_test_id("read-all").click()

    assert page.locator(".messages").inner_text() == "Everything is marked read."
    assert page.get_by_test_id("unread-count").get_attribute("data-count") == "0"
    page.goto("/studio/notifications/?show=unread")
    assert page.get_by_test_id("inbox-empty").inner_text().startswith("Nothing unread")


def test_the_settings_page_saves_channels_senders_and_quiet_hours(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/notifications/settings/")
    likes = page.locator('tr[data-kind="like"]')
    assert likes.locator('input[name="like:push"]').is_checked()
    assert page.locator('tr[data-kind="security_alert"] input').first.is_disabled()

    likes.locator('input[name="like:push"]').uncheck()
    page.select_option("#sender-comment", "following")
    page.fill("#id_quiet_hours_start", "22:00")
    page.click("[data-testid=save-settings]")
    assert page.get_by_test_id("error-quiet_hours_end").inner_text() == (
        "Give both a start and an end, or leave both empty."
    )
    assert not NotificationSettings.objects.filter(user=creator).exists()
    assert not likes.locator('input[name="like:push"]').is_checked()  # what was chosen is kept
    assert page.locator("#sender-comment").input_value() == "following"

    page.fill("#id_quiet_hours_end", "07:30")
    page.click("[data-testid=save-settings]")

    assert page.locator(".messages").inner_text() == "Your notification settings are saved."
    prefs = NotificationSettings.objects.get(user=creator)
    assert prefs.channels["like"]["push"] is False
    assert prefs.channels["like"]["in_app"] is True
    assert prefs.senders["comment"] == "following"
    assert (str(prefs.quiet_hours_start), str(prefs.quiet_hours_end)) == ("22:00:00", "07:30:00")
    assert not page.locator('tr[data-kind="like"] input[name="like:push"]').is_checked()

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
