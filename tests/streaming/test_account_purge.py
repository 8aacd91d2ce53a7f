"""The rest of a purged account's streaming data, through the real purge (manage.py
purge_deleted_accounts): viewing sessions anonymised in place (the streams' figures unchanged),
moderator appointments, bans, timeouts and reminders naming the account deleted, the moderation
log kept. Chat lines: test_chat_purge.py."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.deletion import purge_steps_for
from accounts.models import User
from streaming.deletion import purge_streams
from streaming.models import (
    ChannelModerator,
    ChatBan,
    ChatModerationLog,
    ChatTimeout,
    LiveStream,
    StreamReminder,
    StreamViewer,
)
from streaming.services import chat, metrics, moderators, streams, viewers
from tests.streaming.helpers import make_stream, verified_user

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)
VIEWER_FIELDS = (
    "id", "stream_id", "user_id", "viewer_key", "country", "device", "created_at", "last_seen", "left_at",
    "watch_seconds",
)  # fmt: skip
SUMMARY_FIELDS = ("peak_viewers", "total_watch_seconds", "average_viewers", "unique_viewers", "chat_messages_count")


@pytest.fixture(autouse=True)
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def past_the_grace_period(user, settings) -> None:
    User.all_objects.filter(pk=user.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS + 1)
    )


def purge(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("purge_deleted_accounts", *args, stdout=out)
    return out.getvalue().splitlines()


def viewer_rows() -> dict:
    return {row["id"]: row for row in StreamViewer.objects.values(*VIEWER_FIELDS)}


def summary(stream) -> tuple:
    return tuple(LiveStream.all_objects.values_list(*SUMMARY_FIELDS).get(pk=stream.pk))


def watch(stream, user, *seconds, key=None, leave_at=None, **kwargs) -> None:
    key = key or viewers.viewer_key_for(user=user)
    for second in seconds:
        viewers.viewer_heartbeat(stream=stream, viewer_key=key, user=user, now=at(second), **kwargs)
    if leave_at is not None:
        viewers.viewer_leave(stream=stream, viewer_key=key, now=at(leave_at))


def ended_stream(owner, *, created: dt.datetime, started: dt.datetime, ended: dt.datetime) -> LiveStream:
    stream = make_stream(owner, title="Ended")
    stream.created_at, stream.started_at, stream.ended_at, stream.status = created, started, ended, "ended"
    stream.save()
    return stream


def moderation_state() -> dict:
    return {
        "moderators": set(ChannelModerator.objects.values_list("streamer_id", "moderator_id")),
        "bans": set(ChatBan.objects.values_list("streamer_id", "user_id", "created_by_id", "reason")),
        "timeouts": set(ChatTimeout.objects.values_list("streamer_id", "user_id", "created_by_id")),
        "reminders": set(StreamReminder.objects.values_list("stream_id", "user_id")),
    }


def test_the_purge_anonymises_viewing_sessions_and_deletes_what_names_the_account(
    settings, django_capture_on_commit_callbacks
):
    owner, gone, stays = verified_user(), verified_user(handle="gone_one"), verified_user(handle="stays")
    mod, troll, troll2, elsewhere = verified_user(), verified_user(), verified_user(), verified_user()

    # Viewing sessions. ``past``: gone 0-60 s (left) and 100-150 s, stays 30-110 s, an anonymous
    # client 200-240 s; the stream ran 0-300 s.
    past = ended_stream(owner, created=at(-3600), started=at(0), ended=at(300))
    watch(past, gone, 0, 40, leave_at=60, country="fr", user_agent="iPhone")
    watch(past, gone, 100, 130, 150, country="fr", user_agent="iPhone")
    watch(past, stays, 30, 70, 110, country="de", user_agent="Windows NT 10.0")
    watch(past, None, 200, 240, key="anon:client-one", country="it", user_agent="Roku/DVP-9.10")
    # Two days earlier, on someone else's stream.
    older = ended_stream(elsewhere, created=at(-2 * 86400 - 3600), started=at(-2 * 86400), ended=at(-2 * 86400 + 600))
    watch(older, gone, -2 * 86400 + 10, -2 * 86400 + 20, country="fr")
    watch(older, stays, -2 * 86400 + 10, -2 * 86400 + 30, country="de")
    with django_capture_on_commit_callbacks(execute=True):
        metrics.stream_summary_finalize(stream=past)
        metrics.stream_summary_finalize(stream=older)
    # watch: gone 60 + 50, stays 80, anonymous 40 = 230 s over 300 s; peak 2; 3 viewers.
    assert summary(past) == (2, 230.0, 0.77, 3, 0)
    assert summary(older) == (2, 30.0, 0.05, 2, 0)

    # Moderators, bans, timeouts: gone as the target, as the streamer, and as a moderator acting.
    live, mine = make_stream(owner), make_stream(gone, title="Mine")
    moderators.channel_moderator_add(streamer=owner, user_id=gone.pk)
    moderators.channel_moderator_add(streamer=gone, user_id=stays.pk)
    moderators.channel_moderator_add(streamer=owner, user_id=mod.pk)
    chat.chat_user_ban(stream=live, by=gone, user_id=troll2.pk, reason="spam")  # gone moderating: stays
    chat.chat_user_ban(stream=live, by=owner, user_id=gone.pk, reason="rude")
    chat.chat_user_ban(stream=mine, by=gone, user_id=stays.pk, reason="noisy")
    chat.chat_user_ban(stream=live, by=owner, user_id=troll.pk, reason="troll")
    chat.chat_user_timeout(stream=live, by=owner, user_id=gone.pk, minutes=10)
    chat.chat_user_timeout(stream=mine, by=gone, user_id=troll.pk, minutes=10)
    chat.chat_user_timeout(stream=live, by=mod, user_id=stays.pk, minutes=10)
    # Reminders.
    soon = make_stream(owner, status="scheduled", started_at=None, scheduled_at=timezone.now() + dt.timedelta(days=1))
    streams.stream_reminder_set(stream=soon, user=gone)
    streams.stream_reminder_set(stream=soon, user=stays)

    logs_before = list(
        ChatModerationLog.objects.order_by("id").values_list(
            "id", "streamer_id", "stream_id", "actor_id", "action", "target_user_id", "reason"
        )
    )
    assert len(logs_before) == 10  # 3 appointments, 4 bans, 3 timeouts
    viewers_before = viewer_rows()
    assert len(viewers_before) == 6
    gone_rows = {pk for pk, row in viewers_before.items() if row["user_id"] == gone.pk}
    assert len(gone_rows) == 3
    summaries_before = summary(past), summary(older)
    past_the_grace_period(gone, settings)

    expected = [
        "  - streaming: end and delete 1 live streams (and their IVS channels)",
        "  - streaming: anonymise 3 viewing sessions (no user, an opaque key per stream, no country),"
        " kept for the streams' figures",
        "  - streaming: delete 2 chat moderator appointments (as moderator or streamer)",
        "  - streaming: delete 2 chat bans and 2 chat timeouts (as target or streamer; the moderation log stays)",
        "  - streaming: delete 1 stream reminder",
    ]
    dry = [line for line in purge("--dry-run") if line.startswith("  - streaming:")]
    assert dry == expected
    assert viewer_rows() == viewers_before  # the dry run changed nothing
    assert len(ChannelModerator.objects.all()) == 3
    assert (ChatBan.objects.count(), ChatTimeout.objects.count(), StreamReminder.objects.count()) == (4, 3, 2)

    with django_capture_on_commit_callbacks(execute=True):
        lines = purge()
    assert [line for line in lines if line.startswith("  - streaming:")] == expected

    # Viewing sessions: every row stays; gone's lose user, key and country. Their rows of one
    # stream share one key (the stream still counts them once); no key is shared across streams.
    after = viewer_rows()
    assert after.keys() == viewers_before.keys()
    key_of_stream = {}
    for pk in gone_rows:
        key_of_stream.setdefault(after[pk]["stream_id"], set()).add(after[pk]["viewer_key"])
    assert all(len(keys) == 1 for keys in key_of_stream.values())
    keys = [next(iter(keys)) for keys in key_of_stream.values()]
    assert len(keys) == len(set(keys)) >= 2
    for pk in gone_rows:
        (key,) = key_of_stream[after[pk]["stream_id"]]
        assert re.fullmatch(r"anon:purged-[0-9a-f]{32}", key)
        assert after[pk] == {**viewers_before[pk], "user_id": None, "viewer_key": key, "country": ""}
    for pk in viewers_before.keys() - gone_rows:  # other viewers' rows are untouched
        assert after[pk] == viewers_before[pk]
    assert not StreamViewer.objects.filter(viewer_key=f"user:{gone.pk}").exists()
    # The figures computed again are the same.
    with django_capture_on_commit_callbacks(execute=True):
        metrics.stream_summary_finalize(stream=past)
        metrics.stream_summary_finalize(stream=older)
    assert (summary(past), summary(older)) == summaries_before

    # Appointments, bans, timeouts and reminders naming gone are gone; the others stay, a ban gone
    # made as a moderator included (its created_by is the account's tombstone).
    assert moderation_state() == {
        "moderators": {(owner.pk, mod.pk)},
        "bans": {(owner.pk, troll2.pk, gone.pk, "spam"), (owner.pk, troll.pk, owner.pk, "troll")},
        "timeouts": {(owner.pk, stays.pk, mod.pk)},
        "reminders": {(soon.pk, stays.pk)},
    }
    # The moderation log is exactly as it was.
    assert (
        list(
            ChatModerationLog.objects.order_by("id").values_list(
                "id", "streamer_id", "stream_id", "actor_id", "action", "target_user_id", "reason"
            )
        )
        == logs_before
    )
    assert User.all_objects.get(pk=gone.pk).handle != "gone_one"  # the tombstone they point at

    # A second run does nothing: the account is not purged again, and the steps have nothing left.
    state = moderation_state()
    with django_capture_on_commit_callbacks(execute=True):
        assert not any(line.startswith("  - streaming:") for line in purge())
    assert [step for name, step in purge_steps_for(User.all_objects.get(pk=gone.pk)) if name == "streaming"] == []
    assert viewers.viewer_sessions_of_user_anonymise(user=gone) == 0
    assert moderators.channel_moderators_of_user_delete(user=gone) == 0
    assert chat.chat_sanctions_of_user_delete(user=gone) == (0, 0)
    assert streams.stream_reminders_of_user_delete(user=gone) == 0
    assert viewer_rows() == after
    assert moderation_state() == state


def test_an_account_with_no_streaming_data_gets_no_streaming_steps(settings):
    gone, owner, stays = verified_user(), verified_user(), verified_user()
    stream = make_stream(owner)
    viewers.viewer_heartbeat(stream=stream, viewer_key=viewers.viewer_key_for(user=stays), user=stays)
    moderators.channel_moderator_add(streamer=owner, user_id=stays.pk)
    past_the_grace_period(gone, settings)

    assert purge_streams(gone) == []
    assert not any(line.startswith("  - streaming:") for line in purge())
    assert StreamViewer.objects.get().user_id == stays.pk
    assert ChannelModerator.objects.get().moderator_id == stays.pk


def test_viewing_sessions_are_anonymised_in_one_update_across_partitions():
    gone, stays = verified_user(), verified_user()
    stream = ended_stream(verified_user(), created=at(-3 * 86400), started=at(-3 * 86400), ended=at(600))
    today = (timezone.now() - T0).total_seconds()
    watch(stream, gone, -2 * 86400, country="fr")  # before the partitions made: the default one
    watch(stream, gone, today, today + 10, country="fr")  # today's partition
    watch(stream, stays, today, country="de")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM streaming_streamviewer WHERE user_id = %s", [gone.pk]
        )
        partitions = {name for (name,) in cursor.fetchall()}
    today_partition = "streaming_streamviewer_" + timezone.now().strftime("%Y_%b_%d").lower()
    assert partitions == {"streaming_streamviewer_default", today_partition}

    with CaptureQueriesContext(connection) as queries:
        assert viewers.viewer_sessions_of_user_anonymise(user=gone) == 2

    statements = [q["sql"] for q in queries.captured_queries if "streaming_streamviewer" in q["sql"]]
    assert len(statements) == 1
    assert statements[0].startswith('UPDATE "streaming_streamviewer"')
    assert sorted(StreamViewer.objects.values_list("user_id", "country"), key=str) == sorted(
        [(None, ""), (None, ""), (stays.pk, "DE")], key=str
    )
    assert len(set(StreamViewer.objects.filter(user=None).values_list("viewer_key", flat=True))) == 1
