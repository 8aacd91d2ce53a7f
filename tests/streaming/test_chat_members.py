"""Members in stream chat (billing's one gate): members-only streams, subscribers-only mode and
member badges (the tier's name) on messages, through the real WebSocket consumer."""

import pytest
from channels.db import database_sync_to_async

from tests.billing.factories import member_of, tier_of
from tests.streaming.helpers import closed_with, connect, joined, make_stream, next_of, send, verified_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
db = database_sync_to_async


@pytest.fixture
def rate(settings):
    settings.STREAMING_METRICS_INTERVAL = 60
    return settings


async def test_a_members_only_stream_admits_members_and_refuses_others(rate):
    owner, member, stranger, lapsed = await db(lambda: [verified_user() for _ in range(4)])()
    stream = await db(make_stream)(owner, visibility="subscribers")
    tier = await db(tier_of)(owner, name="Gold")
    await db(member_of)(tier, member)
    await db(member_of)(tier, lapsed, status="canceled")

    allowed, welcome = await joined(stream, member)
    assert welcome["you"]["role"] == "viewer"
    await allowed.disconnect()
    for outsider in (stranger, lapsed):
        refused = await connect(stream, outsider)
        assert (await refused.receive_json_from())["code"] == "not_allowed"
        assert await closed_with(refused) == 4403


async def test_subscribers_only_mode_lets_members_send_with_their_badge(rate):
    owner, member, stranger = await db(lambda: [verified_user() for _ in range(3)])()
    stream = await db(make_stream)(owner, subscribers_only=True)
    tier = await db(tier_of)(owner, name="Gold")
    await db(member_of)(tier, member)
    reader, _ = await joined(stream)
    writer, _ = await joined(stream, member)
    outsider, _ = await joined(stream, stranger)

    await send(outsider, type="message", text="let me in")
    assert (await next_of(outsider, "error"))["code"] == "subscribers_only"
    await send(writer, type="message", text="gold here")
    message = (await next_of(reader, "message"))["message"]

    assert message["text"] == "gold here"
    assert message["sender"]["member_tier"] == "Gold"
    again, welcome = await joined(stream)
    assert [m["sender"]["member_tier"] for m in welcome["messages"]] == ["Gold"]
    for communicator in (reader, writer, outsider, again):
        await communicator.disconnect()


async def test_the_welcomes_pinned_line_and_last_lines_carry_their_senders_badges(rate):
    from streaming.models import StreamChat
    from streaming.services import chat

    owner, gold, silver, stranger = await db(lambda: [verified_user() for _ in range(4)])()
    stream = await db(make_stream)(owner)
    await db(member_of)(await db(tier_of)(owner, name="Gold"), gold)
    await db(member_of)(await db(tier_of)(owner, name="Silver", position=2), silver)
    pinned = await db(StreamChat.objects.create)(stream=stream, sender=silver, text="pin me")
    for sender, text in ((gold, "gold line"), (stranger, "stranger line"), (owner, "owner line")):
        await db(StreamChat.objects.create)(stream=stream, sender=sender, text=text)
    await db(chat.chat_message_pin)(stream=stream, by=owner, message_id=pinned.pk)

    reader, welcome = await joined(stream)
    assert (welcome["pinned"]["text"], welcome["pinned"]["sender"]["member_tier"]) == ("pin me", "Silver")
    assert [(m["text"], m["sender"]["member_tier"]) for m in welcome["messages"] if m["sender"]] == [
        ("pin me", "Silver"),
        ("gold line", "Gold"),
        ("stranger line", None),
        ("owner line", None),
    ]
    await reader.disconnect()
