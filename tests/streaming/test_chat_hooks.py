"""Platform suspensions close chat sockets (4409) and are refused on reconnect; billing's tip
placeholder reaches the room as a ``tip`` event."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from streaming.models import StreamChat
from streaming.services.chat import chat_tip_publish
from tests.streaming.helpers import closed_with, connect, joined, make_stream, next_of, verified_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

db = database_sync_to_async


@pytest.fixture(autouse=True)
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


def _staff_moderator():
    from django.contrib.auth.models import Group, Permission

    staff = verified_user()
    group, _ = Group.objects.get_or_create(name="moderator")
    group.permissions.add(Permission.objects.get(codename="moderate_users"))
    staff.groups.add(group)
    return staff


async def test_a_suspension_closes_chat_sockets_with_4409_and_a_suspended_account_is_refused():
    from accounts.models import User
    from accounts.services.moderation import user_suspend

    owner, alice = await db(lambda: [verified_user(), verified_user()])()
    staff = await db(_staff_moderator)()
    stream = await db(make_stream)(owner)
    socket, _ = await joined(stream, alice)

    until = timezone.now() + dt.timedelta(days=1)
    await db(lambda: user_suspend(user=alice, by=staff, reason="cool off", until=until))()

    assert (await next_of(socket, "error"))["code"] == "account_suspended"
    assert await closed_with(socket) == 4409

    # A socket opened with a session made after the suspension (e.g. by an admin) is refused too.
    suspended = await db(User.objects.get)(pk=alice.pk)
    again = await connect(stream, suspended)
    assert (await again.receive_json_from())["code"] == "account_suspended"
    assert await closed_with(again) == 4409


async def test_a_tip_is_stored_and_broadcast_as_a_tip_event():
    owner, fan = await db(lambda: [verified_user(), verified_user(handle="big_fan")])()
    stream = await db(make_stream)(owner, emoji_only=True)
    reader, _ = await joined(stream)

    tip = await db(chat_tip_publish)(
        stream=stream, sender=fan, text="Great stream!", amount_minor=500, currency="EUR", donation_id="d-1"
    )

    event = await next_of(reader, "tip")
    assert event["message"]["id"] == str(tip.pk)
    assert event["message"]["kind"] == "tip"
    assert event["message"]["payload"] == {"amount_minor": 500, "currency": "EUR", "donation_id": "d-1"}
    assert event["message"]["sender"]["handle"] == "big_fan"
    assert await db(StreamChat.objects.filter(kind="tip").count)() == 1
    await reader.disconnect()
