"""Sockets that connect to a room together are admitted together (one trip to the database
thread, one viewer-session write, the history read once), each with its own outcome; the
welcome is read anew for every batch, so each change is in the next socket's welcome; anonymous
sockets hold no channel of their own; a handshake without a session cookie is anonymous."""

import asyncio
import datetime as dt
import re

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from streaming import consumers
from streaming.models import ChatBan, StreamChat, StreamViewer
from streaming.services import chat, viewers
from streaming.services.streams import stream_end
from tests.streaming.helpers import closed_with, connect, joined, make_stream, verified_user

db = database_sync_to_async


@pytest.fixture(autouse=True)
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


# ---------------------------------------------------------------------------------------------
# viewers_join: the same outcome as one heartbeat per entry, in order
# ---------------------------------------------------------------------------------------------

T0 = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _stream():
    live = make_stream(verified_user())
    live.created_at = T0 - dt.timedelta(hours=1)
    live.save()
    return live


def _rows(stream):
    return sorted(
        (r.viewer_key, r.created_at, r.last_seen, r.left_at, r.watch_seconds, r.country, r.device, r.user_id)
        for r in StreamViewer.objects.filter(stream=stream)
    )


@pytest.mark.django_db
def test_viewers_join_equals_one_heartbeat_per_viewer_in_order(settings):
    settings.STREAMING_VIEWER_GONE_AFTER = 45
    user = verified_user()
    batch_stream, single_stream = _stream(), _stream()
    joins = [
        viewers.ViewerJoin(viewer_key="anon:returning-1", country="fr", user_agent="iPhone"),  # extends its session
        viewers.ViewerJoin(viewer_key="anon:gone-away-1"),  # its session is stale: a new one
        viewers.ViewerJoin(viewer_key=f"user:{user.pk}", user=user, user_agent="Roku/DVP-9.10"),
        viewers.ViewerJoin(viewer_key="anon:new-viewer", country="de"),
        viewers.ViewerJoin(viewer_key="anon:new-viewer"),  # twice in one batch: one session
        viewers.ViewerJoin(viewer_key="anon:ws-fresh-key", fresh=True),
    ]
    for stream in (batch_stream, single_stream):
        viewers.viewer_heartbeat(stream=stream, viewer_key="anon:returning-1", now=at(0))
        viewers.viewer_heartbeat(stream=stream, viewer_key="anon:gone-away-1", now=at(0))
        viewers.viewer_heartbeat(stream=stream, viewer_key="anon:returning-1", now=at(40))

    viewers.viewers_join(stream=batch_stream, joins=joins, now=at(60))
    for join in joins:
        viewers.viewer_heartbeat(
            stream=single_stream,
            viewer_key=join.viewer_key,
            user=join.user,
            country=join.country,
            user_agent=join.user_agent,
            now=at(60),
        )

    assert _rows(batch_stream) == _rows(single_stream)
    returning = StreamViewer.objects.get(stream=batch_stream, viewer_key="anon:returning-1")
    assert (returning.created_at, returning.last_seen, returning.watch_seconds, returning.left_at) == (
        at(0),
        at(60),
        60.0,
        None,
    )
    gone = StreamViewer.objects.filter(stream=batch_stream, viewer_key="anon:gone-away-1").order_by("created_at")
    assert [(r.left_at, r.created_at) for r in gone] == [(at(0), at(0)), (None, at(60))]
    assert StreamViewer.objects.filter(stream=batch_stream, viewer_key="anon:new-viewer").count() == 1
    assert StreamViewer.objects.get(stream=batch_stream, viewer_key=f"user:{user.pk}").device == "tv"


@pytest.mark.django_db
def test_viewers_join_of_fresh_keys_only_is_one_insert_with_the_rows_of_one_heartbeat_each(
    settings, django_assert_num_queries
):
    user = verified_user()
    batch_stream, single_stream = _stream(), _stream()
    joins = [
        viewers.ViewerJoin(viewer_key="anon:ws-fresh-1", country="fr", user_agent="iPhone", fresh=True),
        viewers.ViewerJoin(viewer_key=f"anon:ws-fresh-{user.pk}", user=user, user_agent="Roku/DVP-9.10", fresh=True),
        viewers.ViewerJoin(viewer_key="anon:ws-fresh-1", fresh=True),  # twice in one batch: one session
    ]
    with django_assert_num_queries(1) as queries:
        viewers.viewers_join(stream=batch_stream, joins=joins, now=at(60))
    assert queries.captured_queries[0]["sql"].startswith('INSERT INTO "streaming_streamviewer"')
    for join in joins:
        viewers.viewer_heartbeat(
            stream=single_stream,
            viewer_key=join.viewer_key,
            user=join.user,
            country=join.country,
            user_agent=join.user_agent,
            now=at(60),
        )
    assert _rows(batch_stream) == _rows(single_stream)
    assert [(r[0], r[1], r[2], r[5], r[6], r[7]) for r in _rows(batch_stream)] == sorted(
        [
            ("anon:ws-fresh-1", at(60), at(60), "FR", "mobile", None),
            (f"anon:ws-fresh-{user.pk}", at(60), at(60), "", "tv", user.pk),
        ]
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_sockets_without_a_client_id_each_open_a_session_of_their_own_before_their_welcome():
    owner = await db(verified_user)()
    stream = await db(make_stream)(owner)
    await db(StreamChat.objects.create)(stream=stream, sender=owner, text="hello")
    headers = [(b"cloudfront-viewer-country", b"de"), (b"user-agent", b"Mozilla/5.0 (iPhone)")]
    sockets = await asyncio.gather(*(joined(stream, headers=headers) for _ in range(12)))

    rows = await db(lambda: list(StreamViewer.objects.filter(stream=stream).order_by("viewer_key")))()
    assert len({row.viewer_key for row in rows}) == len(rows) == 12
    assert all(re.fullmatch(r"anon:ws-[0-9a-f]{32}", row.viewer_key) for row in rows)
    assert {(row.country, row.device, row.user_id, row.left_at, row.watch_seconds) for row in rows} == {
        ("DE", "mobile", None, None, 0.0)
    }
    for _, welcome in sockets:
        assert [m["text"] for m in welcome["messages"]] == ["hello"]
    for communicator, _ in sockets:
        await communicator.disconnect()
    assert await db(StreamViewer.objects.filter(stream=stream, left_at__isnull=True).count)() == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_batch_of_sockets_with_and_without_a_client_id_opens_every_session():
    owner = await db(verified_user)()
    stream = await db(make_stream)(owner)
    await db(viewers.viewer_heartbeat)(stream=stream, viewer_key="anon:mixed-client-0")  # a session to extend
    sockets = await asyncio.gather(
        *(joined(stream, query=f"client_id=mixed-client-{i}") for i in range(3)), *(joined(stream) for _ in range(3))
    )

    keys = await db(lambda: sorted(StreamViewer.objects.filter(stream=stream).values_list("viewer_key", flat=True)))()
    assert keys[:3] == ["anon:mixed-client-0", "anon:mixed-client-1", "anon:mixed-client-2"]
    assert len(keys) == 6
    assert all(key.startswith("anon:ws-") for key in keys[3:])
    for communicator, _ in sockets:
        await communicator.disconnect()


# ---------------------------------------------------------------------------------------------
# A burst of sockets
# ---------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_burst_of_sockets_is_admitted_in_batches_each_with_its_own_outcome(monkeypatch):
    owner = await db(verified_user)()
    banned, reader = await db(verified_user)(), await db(verified_user)()
    stream = await db(make_stream)(owner)
    await db(ChatBan.objects.create)(streamer=owner, user=banned, created_by=owner)
    await db(StreamChat.objects.create)(stream=stream, sender=owner, text="before everyone")
    trips = []
    original = consumers._open_many

    async def counting(stream_id, requests):
        trips.append(len(requests))
        return await original(stream_id, requests)

    monkeypatch.setattr(consumers, "_open_many", counting)

    anonymous = [joined(stream, query=f"client_id=burst-client-{i:03d}") for i in range(20)]
    sockets = await asyncio.gather(*anonymous, joined(stream, reader), joined(stream, owner), connect(stream, banned))
    *anon_sockets, (reader_socket, reader_welcome), (owner_socket, owner_welcome), banned_socket = sockets

    assert sum(trips) == 23
    assert len(trips) < 23  # batched: fewer trips than sockets
    for _, welcome in anon_sockets:
        assert welcome["you"] == {"user_id": None, "role": "anonymous", "can_send": False, "is_moderator": False}
        assert [m["text"] for m in welcome["messages"]] == ["before everyone"]
    assert reader_welcome["you"] == {
        "user_id": str(reader.pk),
        "role": "viewer",
        "can_send": True,
        "is_moderator": False,
    }
    assert owner_welcome["you"] == {"user_id": str(owner.pk), "role": "owner", "can_send": True, "is_moderator": True}
    assert owner_welcome["stream"]["id"] == str(stream.pk)
    error = await banned_socket.receive_json_from(timeout=5)
    assert error["code"] == "banned"
    assert await closed_with(banned_socket) == consumers.CLOSE_BANNED

    keys = await db(lambda: sorted(StreamViewer.objects.filter(stream=stream).values_list("viewer_key", flat=True)))()
    assert keys == sorted([f"anon:burst-client-{i:03d}" for i in range(20)] + [f"user:{reader.pk}", f"user:{owner.pk}"])
    for communicator, _ in [*anon_sockets, (reader_socket, None), (owner_socket, None)]:
        await communicator.disconnect()
    assert await db(StreamViewer.objects.filter(stream=stream, left_at__isnull=True).count)() == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_missing_stream_refuses_every_socket_of_the_batch():
    import uuid

    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.streaming.helpers import ORIGIN

    async def one():
        communicator = WebsocketCommunicator(application, f"/ws/streams/{uuid.uuid4()}/chat/", headers=[ORIGIN])
        connected, _ = await communicator.connect()
        assert connected
        return communicator

    for communicator in await asyncio.gather(*(one() for _ in range(5))):
        assert (await communicator.receive_json_from(timeout=5))["code"] == "not_found"
        assert await closed_with(communicator) == consumers.CLOSE_NOT_FOUND


# ---------------------------------------------------------------------------------------------
# Each change is in the next socket's welcome
# ---------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_every_change_is_in_the_welcome_of_the_next_socket():
    owner = await db(verified_user)()
    talker = await db(verified_user)()
    stream = await db(make_stream)(owner)
    first = await db(StreamChat.objects.create)(stream=stream, sender=talker, text="first")
    second = await db(StreamChat.objects.create)(stream=stream, sender=owner, text="second")
    # A socket stays open all along, so the room (and anything it keeps) lives on between changes.
    keeper, _ = await joined(stream)

    async def welcome():
        communicator, message = await joined(stream)
        await communicator.disconnect()
        return message

    await db(chat.chat_message_pin)(stream=stream, by=owner, message_id=first.pk)
    assert (await welcome())["pinned"]["id"] == str(first.pk)

    await db(chat.chat_message_unpin)(stream=stream, by=owner)
    assert (await welcome())["pinned"] is None

    await db(chat.chat_message_delete)(stream=stream, by=owner, message_id=second.pk)
    assert [m["text"] for m in (await welcome())["messages"]] == ["first"]

    await db(chat.chat_message_pin)(stream=stream, by=owner, message_id=first.pk)
    await db(chat.chat_lines_of_sender_hide)(user=talker, reason="spam", marker="action-1")  # a moderation hide
    message = await welcome()
    assert (message["messages"], message["pinned"]) == ([], None)

    await db(chat.chat_settings_update)(stream=stream, by=owner, changes={"slow_mode_seconds": 30})
    assert (await welcome())["settings"]["slow_mode_seconds"] == 30

    await db(stream_end)(stream=await db(lambda: type(stream).objects.get(pk=stream.pk))(), by=owner)
    assert (await welcome())["stream"]["status"] == "ended"
    await keeper.disconnect()


# ---------------------------------------------------------------------------------------------
# Anonymous sockets: no session lookup, no channel of their own
# ---------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_sockets_hold_no_channel_and_signed_in_ones_do(monkeypatch):
    owner = await db(verified_user)()
    stream = await db(make_stream)(owner)
    layer = get_channel_layer()
    made = []
    original = layer.new_channel

    async def counting(prefix="specific."):
        name = await original(prefix)
        made.append(name)
        return name

    monkeypatch.setattr(layer, "new_channel", counting)
    anonymous = [await joined(stream, query=f"client_id=no-channel-{i}") for i in range(3)]
    assert [name for name in made if "streaming.room." not in name] == []
    signed_in, welcome = await joined(stream, owner)
    assert welcome["you"]["role"] == "owner"
    assert len([name for name in made if "streaming.room." not in name]) == 1
    for communicator, _ in [*anonymous, (signed_in, None)]:
        await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_handshake_without_a_session_cookie_is_anonymous_and_a_stale_cookie_too():
    owner = await db(verified_user)()
    stream = await db(make_stream)(owner)
    plain, welcome = await joined(stream)
    assert welcome["you"]["role"] == "anonymous"
    stale, welcome = await joined(stream, headers=[(b"cookie", b"sessionid=not-a-session-anyone-has")])
    assert welcome["you"]["role"] == "anonymous"
    await plain.disconnect()
    await stale.disconnect()
