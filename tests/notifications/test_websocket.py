"""/ws/notifications/: authenticated in connect, live to every session of the recipient, nobody else."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from notifications import services
from tests.factories import UserFactory

ORIGIN = (b"origin", b"http://127.0.0.1")


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def give_role(user, role):
    # Transactional tests start from empty tables: the roles' groups are made here.
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name=role)[0])


async def connect(user=None):
    headers = [ORIGIN]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_is_closed_with_4401():
    _, connected, code = await connect()

    assert not connected
    assert code == 4401


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_new_notification_reaches_every_session_of_the_recipient_and_nobody_else():
    alice, bob, actor = await database_sync_to_async(lambda: [UserFactory(), UserFactory(), UserFactory()])()
    first, ok1, _ = await connect(alice)
    second, ok2, _ = await connect(alice)
    other, ok3, _ = await connect(bob)
    assert [ok1, ok2, ok3] == [True, True, True]
    for communicator in (first, second, other):
        assert await communicator.receive_json_from() == {"type": "unread_count", "count": 0}

    notification = await database_sync_to_async(services.notify)(recipient=alice, kind="mention", actor=actor)

    for communicator in (first, second):
        message = await communicator.receive_json_from(timeout=5)
        assert message["type"] == "notification"
        assert message["event"] == "created"
        assert message["notification"]["id"] == str(notification.pk)
        assert message["notification"]["actors"][0]["id"] == str(actor.pk)
        assert await communicator.receive_json_from(timeout=5) == {"type": "unread_count", "count": 1}
    assert await other.receive_nothing(timeout=0.3)

    await database_sync_to_async(services.notifications_mark_read)(user=alice)
    for communicator in (first, second):
        assert await communicator.receive_json_from(timeout=5) == {"type": "unread_count", "count": 0}
    assert await other.receive_nothing(timeout=0.3)

    for communicator in (first, second, other):
        await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_announcement_reaches_only_its_audience():
    creator, viewer = await database_sync_to_async(lambda: [UserFactory(), UserFactory()])()
    await database_sync_to_async(give_role)(creator, "creator")
    to_creator, _, _ = await connect(creator)
    to_viewer, _, _ = await connect(viewer)
    await to_creator.receive_json_from()
    await to_viewer.receive_json_from()

    await database_sync_to_async(services.announcement_create)(title="Creator fund opens", role="creator")

    message = await to_creator.receive_json_from(timeout=5)
    assert message["notification"]["kind"] == "announcement"
    assert message["notification"]["text"] == "Creator fund opens"
    assert await to_viewer.receive_nothing(timeout=0.3)
    await asyncio.gather(to_creator.disconnect(), to_viewer.disconnect())
