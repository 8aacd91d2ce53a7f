"""/ws/streams/<id>/chat/: reading, sending, the rules and modes, through Channels' communicator."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from notifications.models import Notification
from social.models import Follow
from streaming.models import StreamChat
from tests.factories import UserFactory
from tests.streaming.helpers import (
    closed_with,
    connect,
    grant_platform_moderator,
    joined,
    make_stream,
    next_of,
    send,
    verified_user,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

db = database_sync_to_async


@pytest.fixture
def rate(settings):
    settings.STREAMING_METRICS_INTERVAL = 60
    return settings


async def test_anyone_reads_a_public_stream_and_gets_history_pinned_and_settings(rate):
    owner = await db(verified_user)()
    stream = await db(make_stream)(owner, slow_mode_seconds=5, blocked_words=["spoiler"])
    old = await db(
        lambda: [StreamChat.objects.create(stream=stream, sender=owner, text=f"line {i}") for i in range(55)]
    )()
    await db(lambda: StreamChat.objects.filter(pk=old[-1].pk).update(deleted_at=timezone.now()))()
    stream.pinned_message_id = old[10].pk
    await db(stream.save)()

    communicator, welcome = await joined(stream)

    assert [m["text"] for m in welcome["messages"]] == [f"line {i}" for i in range(4, 54)]
    assert welcome["pinned"]["id"] == str(old[10].pk)
    assert welcome["settings"] == {
        "chat_enabled": True,
        "slow_mode_seconds": 5,
        "followers_only_minutes": None,
        "subscribers_only": False,
        "emoji_only": False,
        "blocked_words": ["spoiler"],
    }
    assert welcome["you"] == {"user_id": None, "role": "anonymous", "can_send": False, "is_moderator": False}
    await communicator.disconnect()


async def test_unknown_stream_closes_4404_and_hidden_stream_4403(rate):
    owner, stranger = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner, visibility="followers")
    await db(lambda: stream.delete())()

    gone = await connect(stream, stranger)
    assert (await gone.receive_json_from())["code"] == "not_found"
    assert await closed_with(gone) == 4404

    hidden = await db(make_stream)(owner, visibility="followers", status="scheduled")
    refused = await connect(hidden, stranger)
    assert (await refused.receive_json_from())["code"] == "not_allowed"
    assert await closed_with(refused) == 4403

    await db(Follow.objects.create)(follower=stranger, followee=owner)
    allowed, welcome = await joined(hidden, stranger)
    assert welcome["you"]["role"] == "viewer"
    await allowed.disconnect()


async def test_subscribers_only_stream_is_the_owners_until_billing(rate):
    owner, fan = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner, visibility="subscribers")
    refused = await connect(stream, fan)
    assert (await refused.receive_json_from())["code"] == "not_allowed"
    assert await closed_with(refused) == 4403
    mine, welcome = await joined(stream, owner)
    assert welcome["you"]["role"] == "owner"
    await mine.disconnect()


async def test_a_message_is_persisted_and_broadcast_to_the_room(rate):
    owner, alice = await db(lambda: [verified_user(), verified_user(handle="alice_fan")])()
    stream = await db(make_stream)(owner)
    reader, _ = await joined(stream)
    writer, welcome = await joined(stream, alice)
    assert welcome["you"]["can_send"] is True

    await send(writer, type="message", text="  hello 🎉  ")

    for communicator in (reader, writer):
        event = await next_of(communicator, "message")
        assert event["message"]["text"] == "hello 🎉"
        assert event["message"]["sender"]["handle"] == "alice_fan"
        assert event["message"]["kind"] == "message"
    row = await db(lambda: StreamChat.objects.get())()
    assert (row.sender_id, row.text) == (alice.pk, "hello 🎉")
    await db(stream.refresh_from_db)()
    assert stream.chat_messages_count == 1
    await reader.disconnect()
    await writer.disconnect()


async def test_signed_out_and_unverified_users_cannot_send(rate):
    owner = await db(verified_user)()
    unverified = await db(UserFactory)()
    stream = await db(make_stream)(owner)
    for user in (None, unverified):
        communicator, _ = await joined(stream, user)
        await send(communicator, type="message", text="hi", ref="a1")
        error = await next_of(communicator, "error")
        assert (error["code"], error["ref"]) == ("not_allowed", "a1")
        await communicator.disconnect()
    assert await db(StreamChat.objects.count)() == 0


async def test_length_limit_and_bad_input(rate):
    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner)
    communicator, _ = await joined(stream, alice)

    await send(communicator, type="message", text="x" * 501)
    assert (await next_of(communicator, "error"))["code"] == "too_long"
    await send(communicator, type="message", text="   ")
    assert (await next_of(communicator, "error"))["code"] == "invalid"
    await send(communicator, type="message", text=5)
    assert (await next_of(communicator, "error"))["code"] == "invalid"
    await communicator.send_to(text_data="not json")
    assert (await next_of(communicator, "error"))["code"] == "invalid"
    await send(communicator, type="dance")
    assert (await next_of(communicator, "error"))["code"] == "invalid"
    await send(communicator, type="message", text="x" * 500)
    assert len((await next_of(communicator, "message"))["message"]["text"]) == 500
    await communicator.disconnect()


async def test_mentions_notify_the_mentioned_user(rate):
    owner, alice, bob = await db(lambda: [verified_user(), verified_user(), verified_user(handle="Bob_B")])()
    stream = await db(make_stream)(owner)
    communicator, _ = await joined(stream, alice)

    await send(communicator, type="message", text="hey @bob_b and @nobody_here")
    event = await next_of(communicator, "message")

    assert event["message"]["mentions"] == ["bob_b"]
    notification = await db(lambda: Notification.objects.get(recipient=bob))()
    assert notification.kind == "mention"
    assert notification.data["message_id"] == event["message"]["id"]
    await communicator.disconnect()


async def test_rate_limit_three_per_two_seconds_then_a_timeout(rate):
    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner)
    communicator, _ = await joined(stream, alice)

    for i in range(3):
        await send(communicator, type="message", text=f"m{i}")
        assert (await next_of(communicator, "message"))["message"]["text"] == f"m{i}"
    await send(communicator, type="message", text="m3")
    error = await next_of(communicator, "error")
    assert (error["code"], error["retry_after"]) == ("rate_limited", 10)
    await send(communicator, type="message", text="m4")
    assert (await next_of(communicator, "error"))["code"] == "rate_limited"
    assert await db(StreamChat.objects.count)() == 3
    await communicator.disconnect()


async def test_slow_mode(rate):
    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner, slow_mode_seconds=30)
    communicator, _ = await joined(stream, alice)

    await send(communicator, type="message", text="first")
    await next_of(communicator, "message")
    await send(communicator, type="message", text="second")
    error = await next_of(communicator, "error")
    assert error["code"] == "slow_mode"
    assert 29 <= error["retry_after"] <= 30
    await communicator.disconnect()


async def test_emoji_only_and_blocked_words(rate):
    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner, emoji_only=True, blocked_words=["Darn"])
    communicator, _ = await joined(stream, alice)

    await send(communicator, type="message", text="nice 🎉")
    assert (await next_of(communicator, "error"))["code"] == "emoji_only"
    await send(communicator, type="message", text="🎉 👍🏽 ❤️")
    assert (await next_of(communicator, "message"))["message"]["text"] == "🎉 👍🏽 ❤️"

    await db(lambda: type(stream).objects.filter(pk=stream.pk).update(emoji_only=False))()
    await send(communicator, type="message", text="oh DARN it")
    assert (await next_of(communicator, "error"))["code"] == "blocked_word"
    await send(communicator, type="message", text="darning socks")  # not the whole word
    assert (await next_of(communicator, "message"))["message"]["text"] == "darning socks"
    await communicator.disconnect()


async def test_followers_only_after_following_long_enough(rate):
    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner, followers_only_minutes=10)
    communicator, _ = await joined(stream, alice)

    await send(communicator, type="message", text="hi")
    error = await next_of(communicator, "error")
    assert error["code"] == "followers_only"
    follow = await db(Follow.objects.create)(follower=alice, followee=owner)
    await send(communicator, type="message", text="hi")
    error = await next_of(communicator, "error")
    assert error["code"] == "followers_only"
    assert 590 <= error["retry_after"] <= 600
    await db(lambda: Follow.objects.filter(pk=follow.pk).update(created_at=timezone.now() - timedelta(minutes=11)))()
    await send(communicator, type="message", text="hi")
    assert (await next_of(communicator, "message"))["message"]["text"] == "hi"
    await communicator.disconnect()


async def test_subscribers_only_mode_and_chat_disabled(rate):
    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    stream = await db(make_stream)(owner, subscribers_only=True)
    communicator, _ = await joined(stream, alice)
    await send(communicator, type="message", text="hi")
    assert (await next_of(communicator, "error"))["code"] == "subscribers_only"
    await db(lambda: type(stream).objects.filter(pk=stream.pk).update(subscribers_only=False, chat_enabled=False))()
    await send(communicator, type="message", text="hi")
    assert (await next_of(communicator, "error"))["code"] == "chat_disabled"
    await communicator.disconnect()


async def test_streamer_and_moderators_are_exempt_from_limits_and_modes(rate):
    owner, mod, platform_mod = await db(lambda: [verified_user(), verified_user(), verified_user()])()
    await db(grant_platform_moderator)(platform_mod)
    stream = await db(make_stream)(
        owner,
        slow_mode_seconds=60,
        emoji_only=True,
        subscribers_only=True,
        followers_only_minutes=60,
        blocked_words=["word"],
    )
    from streaming.models import ChannelModerator

    await db(ChannelModerator.objects.create)(streamer=owner, moderator=mod)
    for user in (owner, mod, platform_mod):
        communicator, welcome = await joined(stream, user)
        assert welcome["you"]["is_moderator"] is True
        for i in range(5):
            await send(communicator, type="message", text=f"a word {i}")
            assert (await next_of(communicator, "message"))["message"]["text"] == f"a word {i}"
        await communicator.disconnect()
    assert await db(StreamChat.objects.count)() == 15


async def test_ping_and_frames_that_are_too_big(rate):
    owner = await db(verified_user)()
    stream = await db(make_stream)(owner)
    communicator, _ = await joined(stream)
    await send(communicator, type="ping", ref=7)
    assert await communicator.receive_json_from() == {"type": "pong", "ref": 7}
    await communicator.send_to(text_data="x" * 5000)
    assert (await communicator.receive_json_from())["code"] == "invalid"
    await communicator.disconnect()
