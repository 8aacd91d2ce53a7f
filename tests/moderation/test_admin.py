"""The queue in the admin: the list, a case's page, acting, bulk actions, the log, the figures."""

from __future__ import annotations

import pytest

from content.models import Post
from moderation.models import Case, ModerationLogEntry
from moderation.services.reports import report_create
from notifications.models import Notification
from tests.clients import verified_client
from tests.content.post_factories import make_post
from tests.moderation.conftest import make_chat_line, make_live_stream, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(moderator):
    return verified_client(moderator)


def _case(reporter, target_type, target_id, category="spam") -> Case:
    return report_create(reporter=reporter, target_type=target_type, target_id=target_id, category=category)[0].case


def test_the_queue_shows_open_cases_by_priority_with_pending_counts(admin_client, reporter, author):
    _case(reporter, "post", make_post(author, text="ordinary spam").pk)
    _case(reporter, "post", make_post(author, text="a self harm post").pk, "self_harm")

    response = admin_client.get("/admin/moderation/case/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("a self harm post") < html.index("ordinary spam")
    assert 'id="pending-open">2<' in html
    assert "URGENT" in html


def test_the_case_page_shows_evidence_with_video_player_and_chat_context(admin_client, reporter, author):
    from tests.content.video_factories import VideoFactory

    video_case = _case(reporter, "video", VideoFactory(owner=author).pk)
    stream = make_live_stream(verified())
    make_chat_line(stream, verified(handle="before"), "the line before")
    chat_case = _case(reporter, "chat_message", make_chat_line(stream, author, "the reported line").pk)

    video_page = admin_client.get(f"/admin/moderation/case/{video_case.pk}/change/").content.decode()
    chat_page = admin_client.get(f"/admin/moderation/case/{chat_case.pk}/change/").content.decode()

    assert f'data-hls="/api/v1/videos/{video_case.target_id}/media/master.m3u8"' in video_page
    assert "vendor/hls/hls.min.js" in video_page
    assert 'class="mod-reported"' in chat_page
    assert "the line before" in chat_page
    assert "the reported line" in chat_page
    assert "Assign to me" in chat_page
    assert 'name="act-notify_user" id="id_act-notify_user" checked' in chat_page


def test_a_moderator_handles_a_case_from_its_page(admin_client, reporter, author, moderator):
    post = make_post(author)
    case = _case(reporter, "post", post.pk)
    page = f"/admin/moderation/case/{case.pk}/change/"

    admin_client.post(page, {"op": "assign_me"})
    admin_client.post(page, {"op": "note", "note-text": "Clear spam."})
    response = admin_client.post(page, {"op": "act", "act-action": "remove", "act-reason": "Link farm",
                                        "act-notify_user": "on"})  # fmt: skip

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.assigned_to, case.notes.get().text) == ("actioned", moderator, "Clear spam.")
    assert Post.objects.get(pk=post.pk).moderation_status == "removed"
    assert Notification.objects.filter(recipient=author, kind="moderation_action").count() == 1
    assert ModerationLogEntry.objects.get(action="remove").source == "admin"


def test_a_preset_fills_the_decision(admin_client, reporter, author):
    from moderation.models import ActionPreset

    case = _case(reporter, "user", author.pk)
    preset = ActionPreset.objects.get(label="Repeated harassment: suspend 7 days")

    admin_client.post(f"/admin/moderation/case/{case.pk}/change/",
                      {"op": "act", "act-action": "warn", "act-preset": str(preset.pk)})  # fmt: skip

    decision = case.decisions.get()
    assert (decision.action, decision.days, decision.rule, decision.reason) == (
        "suspend",
        7,
        preset.rule,
        "Repeated harassment after a warning.",
    )
    assert decision.notify_user is False  # the checkbox was not sent


def test_an_action_refused_by_its_service_shows_its_message(admin_client, reporter, author):
    case = _case(reporter, "user", author.pk)

    response = admin_client.post(f"/admin/moderation/case/{case.pk}/change/",
                                 {"op": "act", "act-action": "remove", "act-reason": "x"}, follow=True)  # fmt: skip

    assert "action_not_applicable" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "open"


def test_bulk_dismiss_from_the_list(admin_client, reporter, author):
    cases = [_case(reporter, "post", make_post(author).pk) for _ in range(2)]
    data = {"action": "bulk_dismiss", "_selected_action": [str(case.pk) for case in cases]}

    form = admin_client.post("/admin/moderation/case/", data)
    done = admin_client.post("/admin/moderation/case/", {**data, "apply": "1", "act-reason": "Not spam"})

    assert form.status_code == 200
    assert b"act-reason" in form.content
    assert done.status_code == 302
    assert set(Case.objects.values_list("status", flat=True)) == {"dismissed"}


def test_the_log_and_the_figures_pages(admin_client, reporter, author, moderator):
    from moderation.services.actions import case_act

    case_act(case=_case(reporter, "user", author.pk), by=moderator, action="warn", reason="Be nice")

    log = admin_client.get(f"/admin/moderation/moderationlogentry/?actor={moderator.pk}&action=warn")
    stats = admin_client.get("/admin/moderation/case/stats/")

    assert log.status_code == 200
    assert "Be nice" in log.content.decode()
    assert stats.status_code == 200
    html = stats.content.decode()
    assert "<td>Spam</td><td>1</td>" in html
    assert "<td>Warn (strike)</td><td>1</td>" in html


def test_users_without_the_moderator_role_cannot_see_the_queue(reporter):
    from tests.factories import UserFactory, with_role

    finance = verified_client(with_role(UserFactory(), "finance"))

    assert finance.get("/admin/moderation/case/").status_code == 403
