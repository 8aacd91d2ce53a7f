"""A moderator handles one case from the queue in the admin, in Chromium: the report made in the
API reaches the queue with its evidence, one action removes the post, and the author and the
reporter are told."""

import os

import pytest

from accounts import services
from content.models import Post
from moderation.models import ActionPreset, Case, ModerationLogEntry, Rule
from notifications.models import Notification
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.moderation.conftest import moderator_by_permissions

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_a_moderator_handles_a_case_from_the_queue(page):
    author = VerifiedUserFactory(handle="spammer")
    reporter = VerifiedUserFactory(email="watchful@example.com", handle="watchful")
    post = make_post(author, text="Cheap followers at spam.example")
    # The reporter signs in and reports over the real API.
    login = page.request.post("/api/v1/auth/login/", data={"email": "watchful@example.com", "password": PASSWORD})
    assert login.status == 200
    response = page.request.post(
        "/api/v1/reports/",
        data={"target": {"type": "post", "id": str(post.pk)}, "category": "spam"},
        headers={"Authorization": f"Token {login.json()['token']}"},
    )
    assert response.status == 201
    moderator = moderator_by_permissions(email="mod@example.com", handle="moderator")
    # Transactional tests flush the migrations' rows: the rule and preset are made here.
    rule, _ = Rule.objects.get_or_create(title="No spam")
    ActionPreset.objects.get_or_create(
        label="Spam: remove", defaults={"action": "remove", "rule": rule, "reason": "Spam removed."}
    )
    code = services.backup_codes_regenerate(user=moderator)[0]

    page.goto("/admin/login/")
    page.fill("#id_username", "mod@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto("/admin/moderation/case/")
    assert page.inner_text("#pending-open") == "1"
    page.click("text=@spammer: Cheap followers at spam.example")
    page.wait_for_selector("#case-page")
    assert "Cheap followers at spam.example" in page.inner_text(".mod-evidence")
    if os.environ.get("FANFARE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["FANFARE_SCREENSHOTS"], "moderation-case.png"), full_page=True)

    page.click("#assign-me")
    page.wait_for_selector("text=Assigned to you.")
    assert page.inner_text("#case-assignee") == "@moderator"

    page.select_option("#id_act-preset", label="Spam: remove")
    assert page.input_value("#id_act-action") == "remove"
    assert page.input_value("#id_act-reason") == "Spam removed."
    assert page.is_checked("#id_act-notify_user")
    page.click("#mod-apply")
    page.wait_for_selector("text=Remove the content: done.")

    case = Case.objects.get()
    assert (case.status, case.assigned_to_id) == ("actioned", moderator.pk)
    assert Post.objects.get(pk=post.pk).moderation_status == "removed"
    assert Notification.objects.get(recipient=author, kind="moderation_action").data["reason"] == "Spam removed."
    assert Notification.objects.get(recipient=reporter, kind="report_outcome").data["outcome"] == "actioned"
    assert ModerationLogEntry.objects.filter(action="remove", actor=moderator, source="admin").count() == 1
