"""A purged account's chat lines, through the real purge (manage.py purge_deleted_accounts): the
rows stay, hidden, without text or sender, so counts and moderation logs still add up."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from streaming.models import ChatModerationLog, LiveStream, StreamChat
from streaming.selectors.chat import chat_pinned, chat_recent
from streaming.services import chat, metrics
from tests.streaming.helpers import make_stream, verified_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


def past_the_grace_period(user, settings) -> None:
    User.all_objects.filter(pk=user.pk).update(
        deleted_at=timezone.now() - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS + 1)
    )


def purge(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("purge_deleted_accounts", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_purge_blanks_and_hides_the_accounts_chat_lines_and_keeps_counts_and_logs(
    settings, django_capture_on_commit_callbacks
):
    owner, gone, stays = verified_user(), verified_user(handle="gone_one"), verified_user(handle="stays")
    live = make_stream(owner)
    past = make_stream(verified_user(), title="Yesterday")
    hello = chat.chat_message_send(stream=live, user=gone, text="hello @stays")
    rude = chat.chat_message_send(stream=live, user=gone, text="rude words")
    answer = chat.chat_message_send(stream=live, user=stays, text="hi @gone_one")
    chat.chat_message_delete(stream=live, by=owner, message_id=rude.pk, reason="rude")
    chat.chat_message_pin(stream=live, by=owner, message_id=hello.pk, reason="welcome")
    tip = chat.chat_tip_publish(
        stream=live, sender=gone, text="for the stream", amount_minor=500, currency="EUR", donation_id="d-1"
    )
    old = chat.chat_message_send(stream=past, user=gone, text="see you")
    with django_capture_on_commit_callbacks(execute=True):
        metrics.stream_summary_finalize(stream=past)
    past.refresh_from_db()
    assert past.chat_messages_count == 1
    logs_before = list(ChatModerationLog.objects.order_by("id").values_list("action", "message_id", "reason"))
    past_the_grace_period(gone, settings)

    assert "  - streaming: blank and hide 4 chat lines, without their sender" in purge("--dry-run")
    assert StreamChat.objects.get(pk=hello.pk).text == "hello @stays"  # the dry run changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        lines = purge()

    assert "  - streaming: blank and hide 4 chat lines, without their sender" in lines
    rows = {row.pk: row for row in StreamChat.all_objects.filter(pk__in=[hello.pk, rude.pk, tip.pk, old.pk, answer.pk])}
    assert len(rows) == 5  # every row stays
    for line in (hello, rude, tip, old):
        row = rows[line.pk]
        assert (row.sender_id, row.text, row.mentions, row.kind) == (None, "", [], line.kind)
        assert row.deleted_at is not None
    assert [rows[line.pk].deleted_reason for line in (hello, tip, old)] == ["account deleted"] * 3
    assert (rows[rude.pk].deleted_reason, rows[rude.pk].deleted_by_id) == ("rude", owner.pk)  # the moderator's
    assert rows[tip.pk].payload == {"amount_minor": 500, "currency": "EUR", "donation_id": "d-1"}
    assert not StreamChat.all_objects.filter(sender=gone).exists()
    # other people's lines are untouched (their text is theirs, a mention of the handle included)
    assert (rows[answer.pk].sender_id, rows[answer.pk].text, rows[answer.pk].deleted_at) == (
        stays.pk, "hi @gone_one", None,
    )  # fmt: skip
    # viewers see none of them; the pin is lifted
    live.refresh_from_db()
    assert [line.pk for line in chat_recent(stream=live)] == [answer.pk]
    assert live.pinned_message_id is None
    assert chat_pinned(stream=live) is None
    # counts and logs still add up: a summary computed again gives the same figure
    with django_capture_on_commit_callbacks(execute=True):
        metrics.stream_summary_finalize(stream=past)
    assert LiveStream.all_objects.get(pk=past.pk).chat_messages_count == 1
    assert list(ChatModerationLog.objects.order_by("id").values_list("action", "message_id", "reason")) == logs_before
    # a second purge has nothing left to do for chat
    assert chat.chat_lines_of_sender_redact(user=gone) == 0


def test_an_account_without_chat_lines_gets_no_chat_step(settings):
    gone = verified_user()
    other = verified_user()
    chat.chat_message_send(stream=make_stream(verified_user()), user=other, text="still here")
    past_the_grace_period(gone, settings)

    assert not any("chat lines" in line for line in purge("--dry-run"))
    purge()

    assert StreamChat.objects.get().text == "still here"
