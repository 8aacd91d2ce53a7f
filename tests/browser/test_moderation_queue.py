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


def _sign_in_moderator(page):
    moderator = moderator_by_permissions(email="mod@example.com", handle="moderator")
    code = services.backup_codes_regenerate(user=moderator)[0]
    page.goto("/admin/login/")
    page.fill("#id_username", "mod@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return moderator


def test_a_moderator_removes_posts_in_bulk_from_the_posts_list(page):
    author = VerifiedUserFactory(handle="flooder")
    posts = [make_post(author, text=f"Buy now number {n}") for n in range(3)]
    rule, _ = Rule.objects.get_or_create(title="No spam")
    moderator = _sign_in_moderator(page)

    page.goto("/admin/content/post/")
    for post in posts[:2]:
        page.check(f"input[name=_selected_action][value='{post.pk}']")
    page.select_option("select[name=action]", label="Moderate: remove the content…")
    page.click("button[name=index]")
    page.wait_for_selector("#id_act-reason")
    assert page.is_checked("#id_act-notify_user")
    page.select_option("#id_act-rule", label=str(rule))
    page.fill("#id_act-reason", "Flooding the feed with ads.")
    page.click("input[type=submit][value='Remove the content']")
    page.wait_for_selector("text=Remove the content: 2 done, each logged.")

    statuses = {p.pk: Post.all_objects.get(pk=p.pk).moderation_status for p in posts}
    assert statuses == {posts[0].pk: "removed", posts[1].pk: "removed", posts[2].pk: "visible"}
    entries = ModerationLogEntry.objects.filter(action="remove", actor=moderator, source="admin")
    assert sorted(e.target_id for e in entries) == sorted(str(p.pk) for p in posts[:2])
    assert {e.rule for e in entries} == {rule.title}
    notices = Notification.objects.filter(recipient=author, kind="moderation_action")
    assert [n.data["reason"] for n in notices] == ["Flooding the feed with ads."] * 2
