"""Every action on a case, its effect in its domain, the user's and the reporters' notifications,
reversal, appeals, and the log."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import ModerationAction
from accounts.services import moderation as account_moderation
from content.models import Post, Video
from core.errors import ApplicationError
from moderation.models import Case, Decision, ModerationLogEntry, Report, Rule
from moderation.services.actions import case_act, decision_reverse
from moderation.services.reports import report_create
from notifications.models import Notification
from social.models import Comment
from streaming.models import LiveStream, StreamChat
from tests.content.post_factories import make_post
from tests.content.video_factories import VideoFactory
from tests.moderation.conftest import make_chat_line, make_comment, make_live_stream, verified

pytestmark = pytest.mark.django_db


def _case(reporter, target_type, target_id, category="spam") -> Case:
    return report_create(reporter=reporter, target_type=target_type, target_id=target_id, category=category)[0].case


def _notes(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


def test_dismiss_closes_the_case_and_tells_the_reporter_without_touching_the_content(reporter, author, moderator):
    post = make_post(author)
    case = _case(reporter, "post", post.pk)

    decision = case_act(case=case, by=moderator, action="dismiss", reason="Not spam")

    case.refresh_from_db()
    assert (case.status, case.resolution) == ("dismissed", "dismiss")
    assert Report.objects.get().status == "dismissed"
    assert Post.objects.get(pk=post.pk).moderation_status == "visible"
    assert decision.account_action is None
    assert _notes(author, "moderation_action") == []
    [outcome] = _notes(reporter, "report_outcome")
    assert outcome.data["outcome"] == "dismissed"
    assert "Not spam" not in str(outcome.data)


def test_removing_a_post_removes_it_tells_the_author_with_rule_reason_and_appeal(
    reporter, author, moderator, django_capture_on_commit_callbacks
):
    post = make_post(author)
    case = _case(reporter, "post", post.pk)
    rule = Rule.objects.get(title="No spam")

    with django_capture_on_commit_callbacks(execute=True):
        decision = case_act(case=case, by=moderator, action="remove", reason="Link farm", rule=rule)

    assert Post.objects.get(pk=post.pk).moderation_status == "removed"
    assert decision.account_action.kind == ModerationAction.Kind.CONTENT_REMOVED
    [note] = _notes(author, "moderation_action")
    assert note.target_title == "A moderator removed your post"
    assert (note.data["rule"], note.data["reason"]) == ("No spam", "Link farm")
    assert note.data["appeal"]["action"] == str(decision.account_action.pk)
    assert account_moderation.appeal_token_valid(
        token=note.data["appeal"]["appeal_token"], action=decision.account_action
    )
    email = next(message for message in mail.outbox if message.to == [author.email])
    assert "Reason: Link farm" in email.body
    assert "Rule: No spam" in email.body
    assert "/appeal/?action=" in email.body
    [outcome] = _notes(reporter, "report_outcome")
    assert outcome.data["outcome"] == "actioned"
    assert "Link farm" not in str(outcome.data)


def test_removing_a_comment_a_video_a_chat_line_and_a_live_stream(reporter, author, moderator):
    comment = make_comment(author, make_post(verified()))
    video = VideoFactory(owner=author)
    stream = make_live_stream(author)
    line = make_chat_line(make_live_stream(verified()), author, "spam spam")

    for target_type, target in (
        ("comment", comment),
        ("video", video),
        ("chat_message", line),
        ("live_stream", stream),
    ):
        case_act(case=_case(reporter, target_type, target.pk), by=moderator, action="remove", reason="Breaks rules")

    assert Comment.all_objects.get(pk=comment.pk).moderation_status == "removed"
    assert Video.all_objects.get(pk=video.pk).moderation_status == "removed"
    assert StreamChat.all_objects.get(pk=line.pk).deleted_at is not None
    ended = LiveStream.objects.get(pk=stream.pk)
    assert (ended.status, ended.ended_reason) == ("ended", "Breaks rules")
    assert len(_notes(author, "moderation_action")) == 4


def test_marking_sensitive_sets_the_flag_on_posts_and_videos_only(reporter, author, moderator):
    post, video = make_post(author), VideoFactory(owner=author)

    case_act(case=_case(reporter, "post", post.pk), by=moderator, action="mark_sensitive", reason="Unlabelled")
    case_act(case=_case(reporter, "video", video.pk), by=moderator, action="mark_sensitive", reason="Unlabelled")

    assert Post.objects.get(pk=post.pk).sensitive is True
    assert Video.objects.get(pk=video.pk).sensitive is True
    assert sorted(n.target_title for n in _notes(author, "moderation_action")) == [
        "A moderator marked your post as sensitive", "A moderator marked your video as sensitive",
    ]  # fmt: skip
    with pytest.raises(ApplicationError) as error:
        case_act(case=_case(reporter, "user", author.pk), by=moderator, action="mark_sensitive", reason="x")
    assert error.value.code == "action_not_applicable"


def test_a_warning_is_a_strike_about_the_content(reporter, author, moderator):
    post = make_post(author)

    decision = case_act(case=_case(reporter, "post", post.pk), by=moderator, action="warn", reason="Be civil")

    strike = ModerationAction.objects.get(user=author)
    assert (strike.kind, strike.reason, strike.reference_id) == ("warning", "Be civil", str(post.pk))
    assert decision.account_action == strike
    assert _notes(author, "moderation_action")[0].target_title == "A moderator warned you"
    assert not [message for message in mail.outbox if message.subject == "You received a warning"]


def test_a_restriction_stops_posting_commenting_and_chatting_for_n_days(reporter, author, moderator):
    from content.services.posts import PostContent, post_create
    from social.services.comments import comment_create
    from streaming.services.chat import ChatError, chat_message_send

    case_act(case=_case(reporter, "user", author.pk), by=moderator, action="restrict", reason="Cool off", days=3)

    author.refresh_from_db()
    assert 2.9 < (author.restricted_until - timezone.now()).days + 1 <= 3
    with pytest.raises(ApplicationError) as posting:
        post_create(author=author, content=PostContent(text="hello"))
    assert (posting.value.status_code, posting.value.code) == (403, "account_restricted")
    with pytest.raises(ApplicationError) as commenting:
        comment_create(author=author, content=make_post(verified()), text="hi")
    assert commenting.value.code == "account_restricted"
    with pytest.raises(ChatError) as chatting:
        chat_message_send(stream=make_live_stream(verified()), user=author, text="hi")
    assert chatting.value.code == "account_restricted"
    remaining = (author.restricted_until - timezone.now()).total_seconds()
    assert remaining - 5 <= chatting.value.retry_after <= remaining + 1
    assert author.suspended_until is None  # still signs in and reads


def test_a_restricted_user_is_refused_by_the_posts_api(reporter, author, moderator, client_of):
    case_act(case=_case(reporter, "user", author.pk), by=moderator, action="restrict", reason="Cool off", days=1)
    author.refresh_from_db()

    response = client_of(author).post("/api/v1/posts/", {"text": "still here"}, format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "account_restricted"


@pytest.mark.parametrize(("action", "days", "title"), [("suspend", 7, "Your account is suspended"),
                                                       ("ban", None, "Your account is banned")])  # fmt: skip
def test_suspending_and_banning_tell_the_user(reporter, author, moderator, action, days, title):
    decision = case_act(case=_case(reporter, "user", author.pk), by=moderator, action=action, reason="Abuse", days=days)

    author.refresh_from_db()
    if action == "suspend":
        assert author.suspended_until is not None
    else:
        assert author.banned_at is not None
    assert decision.effects["access"]["revoked"] is True
    [note] = _notes(author, "moderation_action")
    assert note.target_title == title
    assert note.data["appeal"]["action"] == str(decision.account_action.pk)


def test_notify_the_user_can_be_turned_off(reporter, author, moderator):
    case_act(case=_case(reporter, "post", make_post(author).pk), by=moderator, action="remove", reason="x",
             notify_user=False)  # fmt: skip

    assert _notes(author, "moderation_action") == []


def test_reversing_a_removal_restores_the_post_lifts_the_record_and_tells_the_author(reporter, author, moderator):
    post = make_post(author)
    decision = case_act(case=_case(reporter, "post", post.pk), by=moderator, action="remove", reason="Spam")

    decision_reverse(decision=decision, by=moderator, reason="It was a joke between friends")

    assert Post.objects.get(pk=post.pk).moderation_status == "visible"
    decision.refresh_from_db()
    assert decision.reversed_at is not None
    assert decision.account_action.lifted_at is not None
    [note] = _notes(author, "moderation_reversed")
    assert note.data["reason"] == "It was a joke between friends"
    with pytest.raises(ApplicationError) as again:
        decision_reverse(decision=decision, by=moderator, reason="again")
    assert again.value.code == "already_reversed"


def test_an_accepted_appeal_reverses_the_decision(reporter, author, moderator):
    other_moderator = verified()
    from tests.factories import with_role

    with_role(other_moderator, "moderator")
    post = make_post(author)
    decision = case_act(case=_case(reporter, "post", post.pk), by=moderator, action="remove", reason="Spam")
    appeal = account_moderation.appeal_submit(action=decision.account_action, user=author, message="Not spam!")

    account_moderation.appeal_decide(appeal=appeal, by=other_moderator, accept=True, reason="Fair point")

    assert Post.objects.get(pk=post.pk).moderation_status == "visible"
    decision.refresh_from_db()
    assert decision.reversed_by == other_moderator
    assert _notes(author, "moderation_reversed")[0].data["decision_id"] == str(decision.pk)
    assert ModerationLogEntry.objects.filter(action="reverse", source="accounts", decision_id=decision.pk).exists()


def test_every_action_is_logged_with_who_rule_reason_and_before_after(reporter, author, moderator):
    post = make_post(author)
    rule = Rule.objects.get(title="No spam")

    decision = case_act(case=_case(reporter, "post", post.pk), by=moderator, action="remove", reason="Spam", rule=rule)

    entry = ModerationLogEntry.objects.get(action="remove")
    assert (entry.actor, entry.source, entry.rule, entry.reason) == (moderator, "admin", "No spam", "Spam")
    assert (entry.target_type, entry.target_id, entry.target_user) == ("post", str(post.pk), author)
    assert (entry.case_id, entry.decision_id) == (decision.case_id, decision.pk)
    assert entry.before["target"]["moderation_status"] == "visible"
    assert entry.after["target"]["moderation_status"] == "removed"
    # accounts' own record of the removal is not logged twice
    assert ModerationLogEntry.objects.count() == 1


def test_the_log_is_append_only():
    from django.db import InternalError, ProgrammingError, transaction

    entry = ModerationLogEntry.objects.create(source="system", action="test")
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        ModerationLogEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        ModerationLogEntry.objects.filter(pk=entry.pk).delete()


def test_accounts_own_actions_and_stream_moderators_land_in_the_log(author, moderator):
    from streaming.services.chat import chat_message_delete

    account_moderation.user_warn(user=author, by=moderator, reason="From accounts' API")
    streamer = verified()
    stream = make_live_stream(streamer)
    line = make_chat_line(stream, author, "bad")
    chat_message_delete(stream=stream, by=streamer, message_id=line.pk, reason="streamer deleted it")

    warning = ModerationLogEntry.objects.get(action="account_warning_issued")
    assert (warning.source, warning.actor, warning.target_user) == ("accounts", moderator, author)
    chat = ModerationLogEntry.objects.get(action="chat_delete")
    assert (chat.source, chat.actor, chat.target_type, chat.target_id) == ("stream_chat", streamer, "chat_message",
                                                                            str(line.pk))  # fmt: skip
    assert chat.reason == "streamer deleted it"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"action": "remove", "reason": " "}, "reason_required"),
        ({"action": "suspend", "reason": "x"}, "invalid_days"),
        ({"action": "restrict", "reason": "x", "days": 400}, "invalid_days"),
        ({"action": "remove", "reason": "x"}, "action_not_applicable"),
        ({"action": "explode", "reason": "x"}, "invalid_action"),
    ],
)
def test_bad_actions_are_refused_with_a_code(reporter, author, moderator, kwargs, code):
    case = _case(reporter, "user", author.pk)

    with pytest.raises(ApplicationError) as error:
        case_act(case=case, by=moderator, **kwargs)

    assert error.value.code == code
    case.refresh_from_db()
    assert case.status == "open"


def test_a_closed_case_cannot_be_acted_on_again_and_non_moderators_cannot_act(reporter, author, moderator):
    case = _case(reporter, "user", author.pk)
    case_act(case=case, by=moderator, action="dismiss", reason="fine")

    with pytest.raises(ApplicationError) as closed:
        case_act(case=case, by=moderator, action="warn", reason="changed mind")
    with pytest.raises(ApplicationError) as plain:
        case_act(case=_case(verified(), "user", author.pk), by=reporter, action="warn", reason="x")

    assert closed.value.code == "case_closed"
    assert (plain.value.status_code, plain.value.code) == (403, "not_allowed")
    assert Decision.objects.count() == 1
