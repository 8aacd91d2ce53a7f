"""Chat moderation over the socket: delete, timeout, ban (surviving reconnects), pin, clear,
settings; who may act on whom; every action logged; platform bans close sockets."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from streaming.models import ChannelModerator, ChatBan, ChatModerationLog, ChatTimeout, StreamChat
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


@pytest.fixture(autouse=True)
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


def _people():
    owner, mod, other_mod, alice, bob = (verified_user() for _ in range(5))
    ChannelModerator.objects.create(streamer=owner, moderator=mod)
    ChannelModerator.objects.create(streamer=owner, moderator=other_mod)
    return owner, mod, other_mod, alice, bob


async def test_a_moderator_deletes_a_message_for_everyone_and_it_is_logged():
    owner, mod, _, alice, _ = await db(_people)()
    stream = await db(make_stream)(owner)
    writer, _ = await joined(stream, alice)
    moderator, _ = await joined(stream, mod)
    reader, _ = await joined(stream)
    await send(writer, type="message", text="rude words")
    message_id = (await next_of(writer, "message"))["message"]["id"]
    await next_of(moderator, "message")
    await next_of(reader, "message")

    await send(moderator, type="delete", message_id=message_id, reason="rude")

    for communicator in (writer, moderator, reader):
        assert await next_of(communicator, "message_deleted") == {"type": "message_deleted", "message_id": message_id}
    row = await db(lambda: StreamChat.all_objects.get(pk=message_id))()
    assert (row.deleted_by_id, row.deleted_reason) == (mod.pk, "rude")
    assert row.deleted_at is not None
    log = await db(lambda: ChatModerationLog.objects.get())()
    assert (log.actor_id, log.action, log.target_user_id, log.message_id, log.reason) == (
        mod.pk,
        "delete",
        alice.pk,
        row.pk,
        "rude",
    )
    # A new socket no longer gets it.
    late, welcome = await joined(stream)
    assert welcome["messages"] == []
    for communicator in (writer, moderator, reader, late):
        await communicator.disconnect()


async def test_viewers_cannot_moderate():
    owner, _, _, alice, bob = await db(_people)()
    stream = await db(make_stream)(owner)
    message = await db(StreamChat.objects.create)(stream=stream, sender=bob, text="hi")
    communicator, _ = await joined(stream, alice)
    for action in (
        {"type": "delete", "message_id": str(message.pk)},
        {"type": "timeout", "user_id": str(bob.pk), "minutes": 5},
        {"type": "ban", "user_id": str(bob.pk)},
        {"type": "pin", "message_id": str(message.pk)},
        {"type": "clear"},
        {"type": "settings", "settings": {"slow_mode_seconds": 10}},
    ):
        await send(communicator, **action)
        assert (await next_of(communicator, "error"))["code"] == "not_allowed", action
    anonymous, _ = await joined(stream)
    await send(anonymous, type="clear")
    assert (await next_of(anonymous, "error"))["code"] == "not_allowed"
    assert await db(ChatModerationLog.objects.count)() == 0
    await communicator.disconnect()
    await anonymous.disconnect()


async def test_nobody_acts_against_the_streamer():
    owner, mod, _, _, _ = await db(_people)()
    platform_mod = await db(verified_user)()
    await db(grant_platform_moderator)(platform_mod)
    stream = await db(make_stream)(owner)
    message = await db(StreamChat.objects.create)(stream=stream, sender=owner, text="welcome all")
    for user in (mod, platform_mod):
        communicator, _ = await joined(stream, user)
        for action in (
            {"type": "delete", "message_id": str(message.pk)},
            {"type": "timeout", "user_id": str(owner.pk), "minutes": 5},
            {"type": "ban", "user_id": str(owner.pk)},
        ):
            await send(communicator, **action)
            error = await next_of(communicator, "error")
            assert error["code"] == "not_allowed", (user, action)
        await communicator.disconnect()
    assert await db(ChatBan.objects.count)() == 0
    assert await db(ChatTimeout.objects.count)() == 0
    assert await db(lambda: StreamChat.objects.filter(pk=message.pk).exists())()


async def test_channel_moderators_do_not_act_on_moderators_but_the_streamer_and_platform_do():
    owner, mod, other_mod, _, _ = await db(_people)()
    platform_mod = await db(verified_user)()
    await db(grant_platform_moderator)(platform_mod)
    stream = await db(make_stream)(owner)

    communicator, _ = await joined(stream, mod)
    for target in (other_mod, platform_mod):
        await send(communicator, type="timeout", user_id=str(target.pk), minutes=5)
        assert (await next_of(communicator, "error"))["code"] == "not_allowed"
    await send(communicator, type="timeout", user_id=str(mod.pk), minutes=5)
    assert (await next_of(communicator, "error"))["code"] == "not_allowed"
    await communicator.disconnect()

    for user in (owner, platform_mod):
        communicator, _ = await joined(stream, user)
        await send(communicator, type="timeout", user_id=str(other_mod.pk), minutes=5, reason="cool off")
        assert (await next_of(communicator, "user_timed_out"))["user_id"] == str(other_mod.pk)
        await communicator.disconnect()
    assert await db(ChatModerationLog.objects.filter(action="timeout", target_user=other_mod).count)() == 2


async def test_timeout_blocks_sending_for_n_minutes_then_expires():
    owner, mod, _, alice, _ = await db(_people)()
    stream = await db(make_stream)(owner)
    writer, _ = await joined(stream, alice)
    moderator, _ = await joined(stream, mod)

    await send(moderator, type="timeout", user_id=str(alice.pk), minutes=5, reason="spam")
    event = await next_of(writer, "user_timed_out")
    assert event["user_id"] == str(alice.pk)
    await next_of(moderator, "user_timed_out")
    await send(writer, type="message", text="let me talk")
    error = await next_of(writer, "error")
    assert error["code"] == "timed_out"
    assert 299 <= error["retry_after"] <= 300

    await send(moderator, type="timeout", user_id=str(alice.pk), minutes=0)
    assert (await next_of(moderator, "error"))["code"] == "invalid"

    await db(lambda: ChatTimeout.objects.update(until=timezone.now() - dt.timedelta(seconds=1)))()
    await send(writer, type="message", text="back")
    assert (await next_of(writer, "message"))["message"]["text"] == "back"
    log = await db(lambda: ChatModerationLog.objects.get(action="timeout"))()
    assert (log.actor_id, log.target_user_id, log.reason, log.details["minutes"]) == (mod.pk, alice.pk, "spam", 5)
    await writer.disconnect()
    await moderator.disconnect()


async def test_a_ban_closes_the_socket_refuses_reconnects_on_every_stream_of_the_streamer_until_unban():
    owner, mod, _, alice, _ = await db(_people)()
    stream = await db(make_stream)(owner)
    victim, _ = await joined(stream, alice)
    moderator, _ = await joined(stream, mod)

    await send(moderator, type="ban", user_id=str(alice.pk), reason="abuse")

    assert (await next_of(moderator, "user_banned"))["user_id"] == str(alice.pk)
    while True:
        message = await victim.receive_json_from()
        if message["type"] == "error":
            break
    assert message["code"] == "banned"
    assert await closed_with(victim) == 4406

    # Reconnecting, even to the streamer's next stream, is refused.
    next_stream = await db(make_stream)(owner, status="scheduled")
    for target in (stream, next_stream):
        again = await connect(target, alice)
        assert (await again.receive_json_from())["code"] == "banned"
        assert await closed_with(again) == 4406
    # Another streamer's chat is fine.
    elsewhere, _ = await joined(await db(make_stream)(await db(verified_user)()), alice)
    await elsewhere.disconnect()

    await send(moderator, type="unban", user_id=str(alice.pk), reason="appeal")
    assert (await next_of(moderator, "user_unbanned"))["user_id"] == str(alice.pk)
    back, _ = await joined(stream, alice)
    await back.disconnect()
    await moderator.disconnect()
    actions = await db(lambda: list(ChatModerationLog.objects.order_by("id").values_list("action", "reason")))()
    assert actions == [("ban", "abuse"), ("unban", "appeal")]


async def test_pin_unpin_and_clear():
    owner, mod, _, alice, _ = await db(_people)()
    stream = await db(make_stream)(owner)
    message = await db(StreamChat.objects.create)(stream=stream, sender=alice, text="great question")
    moderator, _ = await joined(stream, mod)
    reader, _ = await joined(stream)

    await send(moderator, type="pin", message_id=str(message.pk))
    for communicator in (moderator, reader):
        assert (await next_of(communicator, "pinned"))["message"]["id"] == str(message.pk)
    _, welcome = await joined(stream)
    assert welcome["pinned"]["text"] == "great question"

    await send(moderator, type="unpin")
    assert (await next_of(reader, "pinned"))["message"] is None
    assert (await next_of(moderator, "pinned"))["message"] is None
    await send(moderator, type="unpin")
    assert (await next_of(moderator, "error"))["code"] == "not_found"
    await send(moderator, type="pin", message_id="not-a-uuid")
    assert (await next_of(moderator, "error"))["code"] == "not_found"

    await send(moderator, type="clear", reason="raid")
    await next_of(reader, "chat_cleared")
    assert await db(StreamChat.objects.count)() == 0
    assert await db(StreamChat.all_objects.count)() == 1
    actions = await db(lambda: list(ChatModerationLog.objects.order_by("id").values_list("action", flat=True)))()
    assert actions == ["pin", "unpin", "clear"]
    await moderator.disconnect()
    await reader.disconnect()


async def test_settings_changes_reach_everyone_and_bad_values_are_refused():
    owner, mod, _, alice, _ = await db(_people)()
    stream = await db(make_stream)(owner)
    moderator, _ = await joined(stream, mod)
    writer, _ = await joined(stream, alice)

    await send(moderator, type="settings", settings={"slow_mode_seconds": 20, "blocked_words": ["meh"]})
    event = await next_of(writer, "settings")
    assert event["settings"]["slow_mode_seconds"] == 20
    assert event["settings"]["blocked_words"] == ["meh"]
    await next_of(moderator, "settings")
    await db(stream.refresh_from_db)()
    assert stream.slow_mode_seconds == 20

    for bad in ({"slow_mode_seconds": -1}, {"emoji_only": "yes"}, {"colour": "red"}, {}):
        await send(moderator, type="settings", settings=bad)
        assert (await next_of(moderator, "error"))["code"] == "invalid", bad
    await send(moderator, type="settings", settings="slow")
    assert (await next_of(moderator, "error"))["code"] == "invalid"
    await moderator.disconnect()
    await writer.disconnect()


async def test_platform_ban_closes_open_sockets_with_4409_and_refuses_reconnect():
    from accounts.services.moderation import user_ban
    from tests.streaming.helpers import session_cookie

    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    staff = await db(verified_user)()

    def make_staff():
        from django.contrib.auth.models import Group, Permission

        group, _ = Group.objects.get_or_create(name="moderator")
        group.permissions.add(Permission.objects.get(codename="moderate_users"))
        staff.groups.add(group)

    await db(make_staff)()
    stream = await db(make_stream)(owner)
    other_stream = await db(make_stream)(await db(verified_user)())
    cookie = await db(session_cookie)(alice)
    first, _ = await joined(stream, alice)
    second, _ = await joined(other_stream, alice)

    await db(lambda: user_ban(user=alice, by=staff, reason="fraud"))()

    for communicator in (first, second):
        error = await next_of(communicator, "error")
        assert error["code"] == "account_banned"
        assert await closed_with(communicator) == 4409
    # The old session no longer signs in; as an anonymous reader she can still read public chat
    # but not send.
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.streaming.helpers import ORIGIN

    again = WebsocketCommunicator(application, f"/ws/streams/{stream.pk}/chat/", headers=[ORIGIN, (b"cookie", cookie)])
    await again.connect()
    welcome = await again.receive_json_from()
    assert welcome["you"]["user_id"] is None
    await again.disconnect()
