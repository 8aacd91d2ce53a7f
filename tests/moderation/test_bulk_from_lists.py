"""Bulk moderation actions from the admin's content lists (posts, comments, videos, chat, users)
and from the staff API: each row through the queue's service, notified and logged on its own."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from content.models import Post, Video
from moderation.models import Case, Decision, ModerationLogEntry
from moderation.services.actions import target_act, targets_act
from moderation.services.reports import report_create
from notifications.models import Notification
from social.models import Comment
from streaming.models import StreamChat
from tests.clients import verified_client
from tests.content.post_factories import make_post
from tests.content.video_factories import VideoFactory
from tests.moderation.conftest import code_of, make_chat_line, make_comment, make_live_stream, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(moderator):
    return verified_client(moderator)


def _apply(client, url, action, ids, **fields):
    data = {"action": action, "_selected_action": [str(pk) for pk in ids], "apply": "1", "index": "0"}
    data.update({f"act-{key}": value for key, value in fields.items()})
    return client.post(url, data)


def test_the_posts_list_removes_each_selected_post_with_rule_reason_and_notice(admin_client, author, moderator):
    from moderation.models import Rule

    rule = Rule.objects.filter(active=True).first()
    other = verified(handle="other")
    posts = [make_post(author, text="spam one"), make_post(author, text="spam two"), make_post(other, text="spam 3")]

    form = admin_client.post("/admin/content/post/", {"action": "moderate_remove", "index": "0",
                                                      "_selected_action": [str(p.pk) for p in posts]})  # fmt: skip
    assert form.status_code == 200
    assert 'name="act-notify_user" id="id_act-notify_user" checked' in form.content.decode()
    response = _apply(admin_client, "/admin/content/post/", "moderate_remove", [p.pk for p in posts],
                      reason="Link farm", rule=str(rule.pk), notify_user="on")  # fmt: skip

    assert response.status_code == 302
    assert set(Post.all_objects.filter(pk__in=[p.pk for p in posts]).values_list("moderation_status", flat=True)) == {
        "removed"
    }
    entries = ModerationLogEntry.objects.filter(action="remove").order_by("target_id")
    assert sorted(e.target_id for e in entries) == sorted(str(p.pk) for p in posts)
    assert {(e.source, e.reason, e.rule) for e in entries} == {("admin", "Link farm", rule.title)}
    assert all(e.before["target"]["moderation_status"] == "visible" for e in entries)
    assert all(e.after["target"]["moderation_status"] == "removed" for e in entries)
    notices = Notification.objects.filter(kind="moderation_action").order_by("recipient__handle")
    assert [(n.recipient.handle, n.data["rule"], n.data["reason"]) for n in notices] == [
        ("author", rule.title, "Link farm"), ("author", rule.title, "Link farm"), ("other", rule.title, "Link farm"),
    ]  # fmt: skip
    assert all(n.data["appeal"]["appeal_token"] for n in notices)
    # Each through a case of its own, closed, with a note saying who opened it.
    cases = Case.objects.filter(target_id__in=[str(p.pk) for p in posts])
    assert {(c.status, c.reporters_count) for c in cases} == {("actioned", 0)}
    assert all("Opened by @mod" in c.notes.get().text for c in cases)


def test_an_open_case_of_reported_content_is_used_and_its_reporters_told(reporter, author, moderator):
    post = make_post(author)
    case = report_create(reporter=reporter, target_type="post", target_id=post.pk, category="spam")[0].case

    decision = target_act(target_type="post", target_id=post.pk, by=moderator, action="remove", reason="Spam")

    assert decision.case_id == case.pk
    assert Notification.objects.get(recipient=reporter, kind="report_outcome").data["outcome"] == "actioned"


def test_notify_the_user_off_sends_no_notice(admin_client, author):
    comment = make_comment(author, make_post(verified()))

    _apply(admin_client, "/admin/social/comment/", "moderate_remove", [comment.pk], reason="Abuse")

    assert Comment.all_objects.get(pk=comment.pk).moderation_status == "removed"
    assert not Notification.objects.filter(kind="moderation_action").exists()
    assert Decision.objects.get().notify_user is False


def test_the_videos_list_marks_sensitive_and_the_chat_list_removes_lines(admin_client, author):
    video = VideoFactory(owner=author)
    stream = make_live_stream(verified())
    lines = [make_chat_line(stream, author, "rude"), make_chat_line(stream, author, "ruder")]

    _apply(admin_client, "/admin/content/video/", "moderate_mark_sensitive", [video.pk], reason="Gore",
           notify_user="on")  # fmt: skip
    _apply(admin_client, "/admin/streaming/streamchat/", "moderate_remove", [line.pk for line in lines],
           reason="Slurs", notify_user="on")  # fmt: skip

    assert Video.objects.get(pk=video.pk).sensitive is True
    assert not StreamChat.objects.filter(pk__in=[line.pk for line in lines]).exists()
    assert ModerationLogEntry.objects.filter(action="remove", target_type="chat_message").count() == 2
    assert ModerationLogEntry.objects.filter(action="mark_sensitive", target_type="video").count() == 1


def test_account_actions_from_a_list_act_once_per_account(admin_client, author, moderator):
    posts = [make_post(author, text="one"), make_post(author, text="two")]
    other = verified(handle="other")

    _apply(admin_client, "/admin/content/post/", "moderate_suspend", [p.pk for p in posts], reason="Spam wave",
           days="3", notify_user="on")  # fmt: skip
    _apply(admin_client, "/admin/accounts/user/", "moderate_restrict", [other.pk], reason="Cool off", days="2",
           notify_user="on")  # fmt: skip

    author.refresh_from_db()
    other.refresh_from_db()
    assert author.suspended_until > timezone.now() + timezone.timedelta(days=2)
    assert other.restricted_until > timezone.now() + timezone.timedelta(days=1)
    assert Decision.objects.filter(action="suspend").count() == 1
    assert ModerationLogEntry.objects.filter(action="suspend", source="admin").count() == 1


def test_what_a_row_refuses_is_shown_and_the_rest_is_done(reporter, author, moderator):
    stream_live = make_live_stream(author)
    stream_ended = make_live_stream(verified(), status="ended", ended_at=timezone.now())

    decisions, failures = targets_act(
        targets=[("live_stream", stream_ended.pk), ("live_stream", stream_live.pk), ("post", "0" * 32)],
        by=moderator, action="remove", reason="Illegal stream",
    )  # fmt: skip

    assert [d.target_id for d in decisions] == [str(stream_live.pk)]
    assert [(f["id"], f["code"]) for f in failures] == [(str(stream_ended.pk), "stream_not_live"),
                                                        ("0" * 32, "not_found")]  # fmt: skip
    # The case opened for the refused row was not kept.
    assert not Case.objects.filter(target_id=str(stream_ended.pk)).exists()


def test_dismiss_is_not_a_list_action(moderator, author):
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as error:
        target_act(target_type="post", target_id=make_post(author).pk, by=moderator, action="dismiss", reason="x")
    assert error.value.code == "action_not_applicable"


def test_users_without_the_moderator_role_do_not_get_the_actions(author):
    staff = verified(handle="staffer", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_post", content_type__app_label="content"))
    page = verified_client(staff).get("/admin/content/post/").content.decode()
    assert "moderate_remove" not in page


def test_the_staff_api_acts_on_targets_in_bulk(staff_api, author):
    posts = [make_post(author, text="a"), make_post(author, text="b")]
    body = {"action": "remove", "reason": "Spam", "targets": [{"type": "post", "id": str(p.pk)} for p in posts]
            + [{"type": "post", "id": "0" * 32}]}  # fmt: skip

    response = staff_api.post("/api/v1/staff/moderation/targets/act/", body, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert len(data["decisions"]) == 2
    gone = str(uuid.UUID(int=0))
    assert data["failed"] == [{"type": "post", "id": gone, "code": "not_found", "detail": "No such target."}]
    assert ModerationLogEntry.objects.filter(action="remove", source="api").count() == 2


def test_the_staff_api_refuses_bad_input(staff_api):
    bad = staff_api.post("/api/v1/staff/moderation/targets/act/", {"action": "remove", "reason": "x", "targets": []},
                         format="json")  # fmt: skip
    assert (bad.status_code, code_of(bad)) == (400, "min_length")
