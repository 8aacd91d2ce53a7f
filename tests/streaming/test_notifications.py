"""Go-live notifications to followers (and reminder holders), each exactly once, in batches; and
reminders shortly before a scheduled stream."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Notification
from social.models import Block, Follow
from streaming.models import LiveStream, StreamReminder
from streaming.services import streams
from streaming.tasks import stream_live_fanout_task, stream_reminders_send_task
from tests.factories import UserFactory
from tests.streaming.factories import LiveStreamFactory

pytestmark = pytest.mark.django_db


def live_notes(user) -> int:
    return Notification.objects.filter(recipient=user, kind="stream_live").count()


@pytest.fixture
def small_batches(settings):
    settings.STREAMING_LIVE_FANOUT_BATCH = 2


def test_followers_and_reminder_holders_are_told_once_across_batches(small_batches, django_capture_on_commit_callbacks):
    stream = LiveStreamFactory(scheduled_at=timezone.now() + dt.timedelta(minutes=30))
    followers = UserFactory.create_batch(5)
    for follower in followers:
        Follow.objects.create(follower=follower, followee=stream.owner)
    holder, following_holder, stranger = UserFactory(), followers[0], UserFactory()
    StreamReminder.objects.create(stream=stream, user=holder)
    StreamReminder.objects.create(stream=stream, user=following_holder)

    with django_capture_on_commit_callbacks(execute=True):
        streams.stream_go_live(stream_id=stream.pk)
    # a retried task or a second run changes nothing
    stream_live_fanout_task(str(stream.pk))

    assert [live_notes(user) for user in followers] == [1, 1, 1, 1, 1]
    assert live_notes(holder) == 1
    assert live_notes(stranger) == 0
    assert live_notes(stream.owner) == 0
    note = Notification.objects.filter(recipient=holder, kind="stream_live").get()
    assert note.data["stream_id"] == str(stream.pk)
    assert note.target_title == stream.title


def test_a_follower_who_blocked_the_streamer_is_not_told(django_capture_on_commit_callbacks):
    stream = LiveStreamFactory()
    follower, blocker = UserFactory(), UserFactory()
    Follow.objects.create(follower=follower, followee=stream.owner)
    Follow.objects.create(follower=blocker, followee=stream.owner)
    Block.objects.create(blocker=blocker, blocked=stream.owner)

    with django_capture_on_commit_callbacks(execute=True):
        streams.stream_go_live(stream_id=stream.pk)

    assert (live_notes(follower), live_notes(blocker)) == (1, 0)


def test_followers_only_streams_skip_reminder_holders_who_do_not_follow(django_capture_on_commit_callbacks):
    stream = LiveStreamFactory(visibility=LiveStream.Visibility.FOLLOWERS)
    follower, holder = UserFactory(), UserFactory()
    Follow.objects.create(follower=follower, followee=stream.owner)
    StreamReminder.objects.create(stream=stream, user=holder)

    with django_capture_on_commit_callbacks(execute=True):
        streams.stream_go_live(stream_id=stream.pk)

    assert (live_notes(follower), live_notes(holder)) == (1, 0)


def test_subscribers_only_streams_tell_nobody_until_billing(django_capture_on_commit_callbacks):
    stream = LiveStreamFactory(visibility=LiveStream.Visibility.SUBSCRIBERS)
    follower = UserFactory()
    Follow.objects.create(follower=follower, followee=stream.owner)

    with django_capture_on_commit_callbacks(execute=True):
        streams.stream_go_live(stream_id=stream.pk)

    assert live_notes(follower) == 0


def test_an_ended_stream_is_not_announced():
    stream = LiveStreamFactory(status=LiveStream.Status.ENDED)
    follower = UserFactory()
    Follow.objects.create(follower=follower, followee=stream.owner)

    assert stream_live_fanout_task(str(stream.pk)) is None
    assert live_notes(follower) == 0


def test_reminders_go_out_once_shortly_before_the_start():
    soon = LiveStreamFactory(scheduled_at=timezone.now() + dt.timedelta(minutes=5))
    later = LiveStreamFactory(scheduled_at=timezone.now() + dt.timedelta(hours=3))
    user = UserFactory()
    StreamReminder.objects.create(stream=soon, user=user)
    StreamReminder.objects.create(stream=later, user=user)

    assert stream_reminders_send_task() == 1
    assert stream_reminders_send_task() == 0

    notes = Notification.objects.filter(recipient=user, kind="stream_reminder")
    assert [note.data["stream_id"] for note in notes] == [str(soon.pk)]
    assert StreamReminder.objects.get(stream=soon).reminded_at is not None
    assert StreamReminder.objects.get(stream=later).reminded_at is None


def test_a_new_time_sends_the_reminder_again():
    stream = LiveStreamFactory(scheduled_at=timezone.now() + dt.timedelta(minutes=5))
    user = UserFactory()
    StreamReminder.objects.create(stream=stream, user=user)
    stream_reminders_send_task()

    streams.stream_update(
        stream=stream, by=stream.owner, changes={"scheduled_at": timezone.now() + dt.timedelta(minutes=8)}
    )

    assert stream_reminders_send_task() == 1
    assert Notification.objects.filter(recipient=user, kind="stream_reminder").count() == 2
