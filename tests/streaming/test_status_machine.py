"""The status machine scheduled → live → ended (and scheduled → ended): every legal transition,
every illegal one refused with 409 invalid_transition, through the services only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.errors import ConflictError, PermissionDeniedError
from streaming.models import LiveStream
from streaming.services import ingest, streams
from tests.factories import UserFactory, with_role
from tests.streaming.factories import LiveStreamFactory

pytestmark = pytest.mark.django_db
S = LiveStream.Status


def test_transitions_table_is_the_documented_machine():
    assert {
        S.SCHEDULED: frozenset({S.LIVE, S.ENDED}),
        S.LIVE: frozenset({S.ENDED}),
        S.ENDED: frozenset(),
    } == streams.TRANSITIONS


def test_scheduled_goes_live():
    stream = LiveStreamFactory()
    at = timezone.now()

    stream = streams.stream_go_live(stream_id=stream.pk, at=at)

    assert (stream.status, stream.started_at) == (S.LIVE, at)


def test_live_ends_by_the_owner():
    stream = LiveStreamFactory(status=S.LIVE, started_at=timezone.now())

    stream = streams.stream_end(stream=stream, by=stream.owner)

    assert stream.status == S.ENDED
    assert stream.ended_by == stream.owner
    assert stream.ended_reason == "ended by the streamer"
    assert stream.ended_at is not None


def test_live_ends_when_the_ingest_says_so():
    stream = LiveStreamFactory(status=S.LIVE, started_at=timezone.now())

    ended = ingest.ingest_publish_stop(stream_id=stream.pk)

    assert ended.status == S.ENDED
    assert ended.ended_by is None


def test_scheduled_is_cancelled_to_ended():
    stream = LiveStreamFactory(scheduled_at=timezone.now() + timezone.timedelta(hours=1))

    stream = streams.stream_cancel(stream=stream, by=stream.owner)

    assert (stream.status, stream.ended_reason, stream.started_at) == (S.ENDED, "cancelled", None)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.LIVE, "go_live"),
        (S.ENDED, "go_live"),
        (S.SCHEDULED, "end"),
        (S.ENDED, "end"),
        (S.LIVE, "cancel"),
        (S.ENDED, "cancel"),
        (S.SCHEDULED, "mark_ended"),
        (S.ENDED, "mark_ended"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(status, action):
    stream = LiveStreamFactory(status=status)
    calls = {
        "go_live": lambda: streams.stream_go_live(stream_id=stream.pk),
        "end": lambda: streams.stream_end(stream=stream, by=stream.owner),
        "cancel": lambda: streams.stream_cancel(stream=stream, by=stream.owner),
        "mark_ended": lambda: streams.stream_mark_ended(stream_id=stream.pk),
    }

    with pytest.raises(ConflictError) as raised:
        calls[action]()

    assert raised.value.code == "invalid_transition"
    assert raised.value.status_code == 409
    assert raised.value.extra["status"] == status
    stream.refresh_from_db()
    assert stream.status == status


def test_one_live_stream_per_creator():
    first = LiveStreamFactory(status=S.LIVE)
    second = LiveStreamFactory(owner=first.owner)

    with pytest.raises(ConflictError) as raised:
        streams.stream_go_live(stream_id=second.pk)

    assert raised.value.code == "already_live"
    second.refresh_from_db()
    assert second.status == S.SCHEDULED


def test_someone_else_cannot_end_or_cancel():
    stream = LiveStreamFactory(status=S.LIVE)
    other = UserFactory()

    with pytest.raises(PermissionDeniedError):
        streams.stream_end(stream=stream, by=other)
    with pytest.raises(PermissionDeniedError):
        streams.stream_cancel(stream=stream, by=other)
    stream.refresh_from_db()
    assert stream.status == S.LIVE


def test_a_moderator_ends_a_live_stream_with_a_reason_and_the_owner_is_told():
    from notifications.models import Notification

    stream = LiveStreamFactory(status=S.LIVE, started_at=timezone.now())
    moderator = with_role(UserFactory(), "moderator")

    streams.stream_end_by_moderator(stream=stream, moderator=moderator, reason="Rebroadcasting a film")

    stream.refresh_from_db()
    assert (stream.status, stream.ended_by, stream.ended_reason) == (S.ENDED, moderator, "Rebroadcasting a film")
    note = Notification.objects.get(recipient=stream.owner, kind="stream_ended")
    assert note.data["reason"] == "Rebroadcasting a film"


def test_a_plain_user_cannot_end_as_moderator():
    stream = LiveStreamFactory(status=S.LIVE)

    with pytest.raises(PermissionDeniedError) as raised:
        streams.stream_end_by_moderator(stream=stream, moderator=UserFactory(), reason="no")

    assert raised.value.code == "not_moderator"


def test_ingest_refuses_an_ended_stream_and_keeps_a_live_one_live():
    ended = LiveStreamFactory(status=S.ENDED)
    live = LiveStreamFactory(status=S.LIVE, started_at=timezone.now())

    with pytest.raises(ConflictError) as raised:
        ingest.ingest_publish_start(stream_key=ended.stream_key)
    assert raised.value.code == "stream_ended"
    assert ingest.ingest_publish_start(stream_key=live.stream_key).status == S.LIVE
    with pytest.raises(PermissionDeniedError) as raised:
        ingest.ingest_publish_start(stream_key="live_wrong")
    assert raised.value.code == "invalid_stream_key"
