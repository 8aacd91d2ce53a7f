"""``/ws/streams/<id>/chat/``: a stream's chat, its moderation, presence and live metrics.

The protocol (every message in both directions, error codes, close codes) is in
``docs/streaming.md`` (its chat part). The consumer only parses and renders: every rule is in
``streaming.services.chat``, reached through ``database_sync_to_async``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from accounts.services.sockets import account_group
from core.errors import ApplicationError
from streaming.selectors.chat import event_text
from streaming.services.chat import ChatError, room_group, user_group

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's); each is preceded by an ``error`` message.
CLOSE_NOT_ALLOWED = 4403  # the stream is not visible to this user (followers/subscribers only)
CLOSE_NOT_FOUND = 4404  # no such stream
CLOSE_BANNED = 4406  # banned from this streamer's chat (now, or on connect)
CLOSE_ACCOUNT = 4409  # the account is banned or suspended platform-wide
CLOSE_TOO_SLOW = 4408  # the client fell too far behind the room (it stopped reading)

MAX_FRAME = 4096
OPEN_BATCH = 200  # sockets admitted in one trip to the database thread at most
LEAVE_BATCH = 1000  # closed sockets' viewing sessions closed in one trip at most


class ChatClose(Exception):
    def __init__(self, close_code: int, code: str, detail: str) -> None:
        self.close_code, self.code, self.detail = close_code, code, detail
        super().__init__(detail)


@dataclass(frozen=True)
class _Opened:
    stream_id: str
    owner_id: str
    role: str
    viewer_key: str


@dataclass(frozen=True)
class _OpenRequest:
    user: Any
    client_id: str | None
    headers: dict[str, str]


def _backlog_limit() -> int:
    return settings.STREAMING_CHAT_SOCKET_BACKLOG


def _send_would_wait(send) -> bool:
    """Whether the server would make a send wait: uvicorn's WebSocket protocols (websockets and
    wsproto) clear ``writable`` while the transport's buffer is over its high-water mark. Other
    servers: never known, so sends are awaited as they come."""
    writable = getattr(getattr(send, "__self__", None), "writable", None)
    return writable is not None and not writable.is_set()


def _client_id(scope: dict) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("client_id")
    return values[0] if values else None


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _admit(*, stream, request: _OpenRequest) -> tuple[str, str, bool]:
    """Whether ``request``'s user may read ``stream``'s chat (raises ChatClose if not); its
    (role, viewer key, whether the key was made up for this socket alone)."""
    from accounts.selectors import standing_error
    from streaming.selectors import chat as chat_selectors
    from streaming.selectors.streams import can_view_stream, chat_role, stream_owner_hidden
    from streaming.services.viewers import viewer_key_for

    user = request.user
    if user is not None:
        error = standing_error(user)
        if error is not None:
            raise ChatClose(CLOSE_ACCOUNT, error.code, error.message)
    if not can_view_stream(stream=stream, user=user):
        if stream_owner_hidden(stream=stream, user=user):  # its owner is suspended or banned: as if gone
            raise ChatClose(CLOSE_NOT_FOUND, "not_found", "No such stream.")
        raise ChatClose(CLOSE_NOT_ALLOWED, "not_allowed", "This stream is not visible to you.")
    if user is not None and chat_selectors.chat_ban_get(streamer_id=stream.owner_id, user_id=user.pk):
        raise ChatClose(CLOSE_BANNED, "banned", "You are banned from this chat.")
    role = chat_role(stream=stream, user=user)
    try:
        return role, viewer_key_for(user=user, client_id=request.client_id), False
    except ApplicationError:
        return role, f"anon:ws-{uuid.uuid4().hex}", True


def _welcome_head(stream, *, pinned, recent) -> str:
    """The part of the ``welcome`` event every socket of the room gets alike (the stream, its
    settings, the pinned line, the last lines), as ``event_text`` writes it, without the closing
    brace: each socket's ``you`` follows."""
    from streaming.selectors import chat as chat_selectors

    # The pinned line's badge is read with the last lines' (one query for every sender).
    payloads = chat_selectors.messages_payload(stream=stream, messages=[*recent, *([] if pinned is None else [pinned])])
    text = event_text(
        "welcome",
        stream={
            "id": str(stream.pk),
            "title": stream.title,
            "status": stream.status,
            "owner_id": str(stream.owner_id),
        },
        settings=chat_selectors.chat_settings_payload(stream),
        pinned=None if pinned is None else payloads[-1],
        messages=payloads[: len(recent)],
    )
    return text[:-1]


def _you(*, user: Any, role: str) -> str:
    from streaming.selectors.streams import MODERATING_ROLES

    you = {
        "user_id": None if user is None else str(user.pk),
        "role": role,
        "can_send": user is not None and user.email_verified_at is not None,
        "is_moderator": role in MODERATING_ROLES,
    }
    return json.dumps(you, separators=(",", ":"), default=str)


@database_sync_to_async
def _open_many(stream_id: str, requests: list[_OpenRequest]) -> list[tuple[_Opened, str] | ChatClose]:
    """Open the sockets that joined a room together, in one trip to the database thread: one read
    of the stream, its pinned line and its history (three statements, one round trip to
    PostgreSQL: ``core.compiled.pipelined``), each socket's admission (its user's standing, the
    stream's visibility, bans), one write of every viewing session (``viewers_join``: one INSERT
    in autocommit for sockets without a ``client_id``), and the welcome rendered once. Each socket
    gets its ``_Opened`` and ``welcome`` text, or the ChatClose that refuses it. Every socket
    joined the room before this runs, so no event is missed in between."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from core.compiled import pipelined
    from streaming.selectors import chat as chat_selectors
    from streaming.selectors.streams import STREAM_WITH_OWNER, stream_pk
    from streaming.services.viewers import ViewerJoin, country_from_headers, viewers_join

    pk = stream_pk(stream_id)
    if pk is None:
        return [ChatClose(CLOSE_NOT_FOUND, "not_found", "No such stream.") for _ in requests]
    # The stream, its pinned line and its last lines, sent together: one round trip to PostgreSQL.
    connection = connections[DEFAULT_DB_ALIAS]
    with pipelined(connection):
        stream_rows, pinned_rows, recent_rows = connection.cursor(), connection.cursor(), connection.cursor()
        STREAM_WITH_OWNER.execute(stream_rows, pk=pk)
        chat_selectors.PINNED_OF_STREAM.execute(pinned_rows, stream_id=pk)
        chat_selectors.RECENT.execute(recent_rows, stream_id=pk)
    stream = next(STREAM_WITH_OWNER.instances(stream_rows.fetchall()), None)
    pinned = next(chat_selectors.PINNED_OF_STREAM.instances(pinned_rows.fetchall()), None)
    recent = chat_selectors.chat_recent_rows(recent_rows.fetchall())
    for cursor in (stream_rows, pinned_rows, recent_rows):
        cursor.close()
    if stream is None:
        return [ChatClose(CLOSE_NOT_FOUND, "not_found", "No such stream.") for _ in requests]
    admitted: list[tuple[str, str, bool] | ChatClose] = []
    for request in requests:
        try:
            admitted.append(_admit(stream=stream, request=request))
        except ChatClose as refusal:
            admitted.append(refusal)
    if not any(isinstance(entry, tuple) for entry in admitted):
        return admitted
    if stream.status == stream.Status.LIVE:
        joins = []
        for request, entry in zip(requests, admitted, strict=True):
            if isinstance(entry, tuple):
                meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in request.headers.items()}
                joins.append(
                    ViewerJoin(
                        viewer_key=entry[1],
                        user=request.user,
                        country=country_from_headers(meta),
                        user_agent=request.headers.get("user-agent", ""),
                        fresh=entry[2],
                    )
                )
        # One INSERT in autocommit when every key is the socket's own (see viewers_join).
        viewers_join(stream=stream, joins=joins)
    head = _welcome_head(stream, pinned=pinned, recent=recent)
    results: list[tuple[_Opened, str] | ChatClose] = []
    for request, entry in zip(requests, admitted, strict=True):
        if isinstance(entry, ChatClose):
            results.append(entry)
            continue
        role, viewer_key, _fresh_key = entry
        opened = _Opened(str(stream.pk), str(stream.owner_id), role, viewer_key)
        results.append((opened, f'{head},"you":{_you(user=request.user, role=role)}}}'))
    return results


def _fresh(stream_id: str, user_id: Any):
    from accounts.models import User
    from streaming.models import LiveStream

    stream = LiveStream.objects.filter(pk=stream_id).first()
    if stream is None:
        raise ChatError("The stream is gone.", code="not_found")
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    return stream, user


@database_sync_to_async
def _act(stream_id: str, user_id: Any, kind: str, content: dict[str, Any]) -> None:
    from streaming.services import chat

    stream, user = _fresh(stream_id, user_id)
    if kind == "message":
        chat.chat_message_send(stream=stream, user=user, text=content.get("text"))
        return
    if user is None:
        raise ChatError("Sign in to moderate.", code="not_allowed")
    reason = content.get("reason", "")
    if kind == "delete":
        chat.chat_message_delete(stream=stream, by=user, message_id=content.get("message_id"), reason=reason)
    elif kind == "timeout":
        chat.chat_user_timeout(
            stream=stream, by=user, user_id=content.get("user_id"), minutes=content.get("minutes"), reason=reason
        )
    elif kind == "ban":
        chat.chat_user_ban(stream=stream, by=user, user_id=content.get("user_id"), reason=reason)
    elif kind == "unban":
        chat.chat_user_unban(stream=stream, by=user, user_id=content.get("user_id"), reason=reason)
    elif kind == "pin":
        chat.chat_message_pin(stream=stream, by=user, message_id=content.get("message_id"), reason=reason)
    elif kind == "unpin":
        chat.chat_message_unpin(stream=stream, by=user, reason=reason)
    elif kind == "clear":
        chat.chat_clear(stream=stream, by=user, reason=reason)
    elif kind == "settings":
        changes = content.get("settings")
        if not isinstance(changes, dict):
            raise ChatError('"settings" is an object of the settings to change.', code="invalid")
        chat.chat_settings_update(stream=stream, by=user, changes=changes, reason=reason)


@database_sync_to_async
def _tip(stream_id: str, user_id: Any, content: dict[str, Any]) -> str:
    """A ``tip`` from the socket: the ``tip_result`` frame for the sender (docs/streaming.md "Tips")."""
    from streaming.services.tips import tip_create, tip_payload

    stream, user = _fresh(stream_id, user_id)
    if user is None:
        raise ChatError("Sign in to tip.", code="not_allowed")
    outcome = tip_create(
        stream=stream,
        user=user,
        amount=content.get("amount"),
        currency=content.get("currency"),
        message=content.get("message", ""),
        anonymous=content.get("anonymous", False),
        payment_method=content.get("payment_method"),
        client_key=content.get("client_key") or "",
    )
    return event_text(
        "tip_result",
        ref=content.get("ref") if isinstance(content.get("ref"), str | int) else None,
        tip=tip_payload(outcome.tip, for_owner=True),
        client_secret=outcome.client_secret,
    )


@database_sync_to_async
def _heartbeat(stream_id: str, user: Any, viewer_key: str) -> None:
    from streaming.models import LiveStream
    from streaming.services.viewers import viewer_heartbeat

    stream = LiveStream.objects.filter(pk=stream_id, status=LiveStream.Status.LIVE).first()
    if stream is not None:
        viewer_heartbeat(stream=stream, viewer_key=viewer_key, user=user)


@database_sync_to_async
def _leave_many(stream_id: str, viewer_keys: list[str]) -> None:
    """Close the viewing sessions of the sockets of a room that closed together, in one trip to
    the database thread: one UPDATE in autocommit (``viewers_leave``)."""
    from streaming.services.viewers import viewers_leave

    viewers_leave(stream_id=stream_id, viewer_keys=viewer_keys)


# Closing sockets waiting for their viewing session to be closed, per (loop, stream): the first
# to close starts the task that closes them (_leave_pending), and those that close while a trip
# is in the database thread go together in the next. Kept apart from the room, which goes away
# with its last socket: a stream's end closes every socket, the last included.
_leaving: dict[tuple[Any, str], list[tuple[str, asyncio.Future]]] = {}
_leave_tasks: set[asyncio.Task] = set()  # the running _leave_pending tasks (the loop keeps weak references)


async def _leave(stream_id: str, viewer_key: str) -> None:
    """Close a closed socket's viewing session, with those of the other sockets of its stream that
    close now (as ``viewer_leave``). Returns once it is closed; raises what closing it raised."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    waiting = _leaving.get((loop, stream_id))
    if waiting is None:
        _leaving[(loop, stream_id)] = [(viewer_key, future)]
        task = loop.create_task(_leave_pending(stream_id))
        _leave_tasks.add(task)
        task.add_done_callback(_leave_tasks.discard)
    else:
        waiting.append((viewer_key, future))
    await future


async def _leave_pending(stream_id: str) -> None:
    key = (asyncio.get_running_loop(), stream_id)
    batch: list[tuple[str, asyncio.Future]] = []
    try:
        while _leaving[key]:
            batch, _leaving[key] = _leaving[key][:LEAVE_BATCH], _leaving[key][LEAVE_BATCH:]
            # Every key is closed, even one whose waiter was cancelled: its socket is gone all the same.
            try:
                await _leave_many(stream_id, [viewer_key for viewer_key, _ in batch])
            except Exception:  # one by one instead, so that each socket gets its own outcome
                logger.exception("closing %d viewing sessions of stream %s together failed", len(batch), stream_id)
                for viewer_key, future in batch:
                    try:
                        await _leave_many(stream_id, [viewer_key])
                    except Exception as error:  # noqa: BLE001 - this socket's own: its disconnect raises it
                        if not future.done():
                            future.set_exception(error)
                    else:
                        if not future.done():
                            future.set_result(None)
                batch = []
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
            batch = []
    finally:
        for _, future in [*batch, *_leaving.pop(key, [])]:  # cancelled (the loop is closing)
            if not future.done():
                future.cancel()


@database_sync_to_async
def _metrics_if_due(stream_id: str):
    from streaming.services.metrics import stream_metrics_if_due

    return stream_metrics_if_due(stream_id=stream_id)


@database_sync_to_async
def _status_event(stream_id: str) -> tuple[str | None, str | None]:
    """The stream's status and its ``status`` event text (None, None for a gone stream)."""
    from streaming.selectors.streams import stream_status_event

    return stream_status_event(stream_id=stream_id)


# ---------------------------------------------------------------------------------------------
# Rooms: one relay per stream per process. The relay alone listens to the stream's group on the
# channel layer and writes each event (serialized once, by the sender) to every local socket,
# one after another, as a broadcast server would. Delivering through the channel layer to each
# consumer instead costs a queue, a task and a dispatch per socket per event, which is what
# kept Fanfare far behind the baseline in bench/bench_chat_fanout.py.
#
# The relay also runs the room's live metrics: each interval every process hosting the room
# tries, and the cache lets exactly one of them compute and broadcast (stream_metrics_if_due).
# ---------------------------------------------------------------------------------------------


class _Room:
    def __init__(self, stream_id: str, layer) -> None:
        self.stream_id = stream_id
        self.layer = layer
        self.members: dict[Any, None] = {}  # insertion-ordered set of consumers
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        self.status: str | None = None  # the stream's status when this room last looked
        # Sockets waiting to be opened, and the task opening them (_open_pending).
        self.pending: list[tuple[_OpenRequest, asyncio.Future]] = []
        self.opener: asyncio.Task | None = None

    async def open(self, request: _OpenRequest) -> tuple[_Opened, str]:
        """Admit a socket that joined this room: its ``_Opened`` and ``welcome`` text, or ChatClose.

        Sockets that connect while another batch is in the database thread wait for the next
        one together, so a burst of connects (a raid, a stream going live) costs a few trips to
        the database instead of one (with its queries and viewer-session write) per socket."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((request, future))
        if self.opener is None:
            self.opener = asyncio.get_running_loop().create_task(self._open_pending())
        result = await future
        if isinstance(result, ChatClose):
            raise result
        return result

    async def _open_pending(self) -> None:
        batch: list[tuple[_OpenRequest, asyncio.Future]] = []
        try:
            while self.pending:
                batch, self.pending = self.pending[:OPEN_BATCH], self.pending[OPEN_BATCH:]
                batch = [(request, future) for request, future in batch if not future.done()]
                if not batch:
                    continue
                try:
                    results = await _open_many(self.stream_id, [request for request, _ in batch])
                except Exception as error:  # noqa: BLE001 - the database is down: each socket's guard closes it (1013)
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self.opener = None
            for _, future in [*batch, *self.pending]:  # cancelled (the loop is closing): nobody is left waiting
                if not future.done():
                    future.cancel()

    async def start(self) -> None:
        self.status, _ = await _status_event(self.stream_id)
        self.channel = await self.layer.new_channel("streaming.room.")
        await self.layer.group_add(room_group(self.stream_id), self.channel)
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._relay()), loop.create_task(self._metrics())]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.channel is not None:
            await self.layer.group_discard(room_group(self.stream_id), self.channel)

    async def _relay(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer's backend (Redis) went away: retry, keep the room alive
                logger.exception("chat relay for stream %s could not receive", self.stream_id)
                await asyncio.sleep(1)
                continue
            text = message.get("text")
            if message.get("type") != "chat.event" or not isinstance(text, str):
                continue
            frame = {"type": "websocket.send", "text": text}  # one ASGI message for every socket
            for member in list(self.members):
                try:
                    await member.deliver(frame)
                except Exception:  # noqa: BLE001 - a socket that just went away; its disconnect removes it
                    self.members.pop(member, None)

    async def _metrics(self) -> None:
        from streaming.services.metrics import metrics_interval

        while True:
            interval = metrics_interval()
            await asyncio.sleep(interval - (time.time() % interval) + 0.05)
            try:
                payload = await _metrics_if_due(self.stream_id)
                if payload is not None:
                    event = {"type": "chat.event", "text": event_text("metrics", **payload)}
                    await self.layer.group_send(room_group(self.stream_id), event)
                await self._status_check()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end the room's metrics
                logger.exception("metrics for stream %s failed", self.stream_id)

    async def _status_check(self) -> None:
        """The status machine broadcasts each change, but a change made in a process that does
        not share this one's channel layer (the RTMP ingest under `make run`, with no Redis) would
        never arrive: each interval the room also reads the status and tells its own sockets when
        it changed (a repeat of an event they already had is harmless)."""
        status, text = await _status_event(self.stream_id)
        if status is not None and self.status is not None and status != self.status:
            frame = {"type": "websocket.send", "text": text}
            for member in list(self.members):
                try:
                    await member.deliver(frame)
                except Exception:  # noqa: BLE001 - a socket that just went away; its disconnect removes it
                    self.members.pop(member, None)
        if status is not None:
            self.status = status


_rooms: dict[tuple[Any, str], _Room] = {}


async def _room_join(stream_id: str, layer, member) -> _Room:
    key = (asyncio.get_running_loop(), stream_id)
    room = _rooms.get(key)
    if room is None:
        room = _rooms[key] = _Room(stream_id, layer)
        room.members[member] = None
        await room.start()
    else:
        room.members[member] = None
    return room


async def _room_leave(room: _Room, member) -> None:
    room.members.pop(member, None)
    if not room.members and _rooms.get((asyncio.get_running_loop(), room.stream_id)) is room:
        del _rooms[(asyncio.get_running_loop(), room.stream_id)]
        await room.stop()


ACTIONS = {"message", "delete", "timeout", "ban", "unban", "pin", "unpin", "clear", "settings"}


class StreamChatConsumer(AsyncWebsocketConsumer):
    """One viewer's chat socket. See docs/streaming.md (chat part) for the protocol."""

    opened: _Opened | None = None
    backlog: collections.deque | None = None  # room frames waiting for a slow socket to drain
    _drain_task: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        """A signed-in socket listens on a channel of its own (closed by a ban or an account
        sanction: ``chat.kick``, ``account.close``, sent to its user's groups). Nothing is ever
        sent to an anonymous socket's channel, so it gets none: no channel, no queue in the layer
        and no task waiting on it per anonymous viewer (and, with Redis, no subscription)."""
        user = scope.get("user")
        if user is not None and user.is_authenticated:
            return await super().__call__(scope, receive, send)
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = None
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            while True:
                await self.dispatch(await receive())

    async def dispatch(self, message):
        """Channels (4.2+) hops to the sync thread to close stale database connections before
        every handler, so a broadcast to N sockets in a process made N thread hops, one after
        another (bench/bench_chat_fanout.py). This consumer touches the database only through
        ``database_sync_to_async``, which does that around each call, so the hop is skipped."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        stream_id = str(self.scope["url_route"]["kwargs"]["stream_id"])
        self.groups_joined: list[str] = []
        self.early: list[str] | None = []  # room events that arrive before the welcome
        # Join first, then read the history, so nothing sent in between is missed.
        self.room = await _room_join(stream_id, self.channel_layer, self)
        if self.user is not None:
            for group in (user_group(self.user.pk), account_group(self.user.pk)):
                await self.channel_layer.group_add(group, self.channel_name)
                self.groups_joined.append(group)
        request = _OpenRequest(user=self.user, client_id=_client_id(self.scope), headers=_headers(self.scope))
        try:
            self.opened, welcome = await self.room.open(request)
        except ChatClose as exc:
            await self._leave_rooms()
            await self._error(exc.code, exc.detail)
            await self.close(code=exc.close_code)
            return
        await self.send(text_data=welcome)
        early, self.early = self.early, None
        for text in early:
            await self.send(text_data=text)

    async def deliver(self, frame: dict) -> None:
        """A room event from the relay, as an ASGI ``websocket.send`` message shared by every socket.

        Never waits for a slow client: the relay writes to every socket of the room in turn, so
        one whose buffers are full (it stopped reading, or its network is slow) would hold up
        everyone else. Such a socket gets a backlog, written by a task of its own as it drains;
        past ``STREAMING_CHAT_SOCKET_BACKLOG`` frames it leaves the room and is closed (4408)."""
        if self.early is not None:
            self.early.append(frame["text"])
        elif self.backlog is not None:
            if len(self.backlog) >= _backlog_limit():
                await self._too_slow()
            else:
                self.backlog.append(frame)
        elif _send_would_wait(self.raw_send):
            self.backlog = collections.deque([frame])
            self._drain_task = asyncio.get_running_loop().create_task(self._drain())
        else:
            send_now = self.send_now
            if send_now is None or not send_now(frame["text"]):
                await self.raw_send(frame)

    async def _drain(self) -> None:
        """Write the backlog in order as the socket takes it, then go back to direct delivery."""
        try:
            # An exception here: the socket went away, and its disconnect cleans up.
            with contextlib.suppress(Exception):
                while self.backlog:
                    await self.raw_send(self.backlog.popleft())
        finally:
            self.backlog = None

    async def _too_slow(self) -> None:
        """Leave the room (so it stops waiting on or queueing for this socket), drop the backlog,
        and close with 4408 once the socket takes the close (or uvicorn's keep-alive ends it)."""
        logger.info("chat socket on stream %s too slow: closed", self.room.stream_id if self.room else "?")
        self.backlog = collections.deque()  # what was queued is dropped; nothing more is queued
        if self.room is not None:
            room, self.room = self.room, None
            await _room_leave(room, self)

        async def close():
            if self._drain_task is not None:
                self._drain_task.cancel()
            with contextlib.suppress(Exception):  # already gone
                await self._error("too_slow", "You fell too far behind the chat; reconnect to catch up.")
                await self.close(code=CLOSE_TOO_SLOW)

        asyncio.get_running_loop().create_task(close())

    @property
    def raw_send(self):
        """The server's own ``send``, below Channels' session wrapper (which only acts on HTTP
        responses but reads the lazy session on every frame): the hot path of a broadcast."""
        send = self.__dict__.get("_raw_send")
        if send is None:
            send = self.base_send
            while hasattr(getattr(send, "__self__", None), "real_send"):
                send = send.__self__.real_send
            self.__dict__["_raw_send"] = send
        return send

    @property
    def send_now(self):
        """The production server's ``send_text_now`` (``core.websocket_protocol``): the room's
        frame written as bytes shared by every socket, without a ``send`` coroutine per socket.
        None under another server, where every frame goes through ``send``."""
        if "_send_now" not in self.__dict__:
            server = getattr(self.raw_send, "__self__", None)
            self.__dict__["_send_now"] = getattr(server, "send_text_now", None)
        return self.__dict__["_send_now"]

    async def websocket_disconnect(self, message):
        """As Channels' own, without its trip to the database thread after ``disconnect`` to close
        stale connections (as ``dispatch``, for the same reason): a second trip per closing socket,
        one at a time, when a stream's end closes them all."""
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code):
        if self._drain_task is not None:
            self._drain_task.cancel()
        await self._leave_rooms()
        if self.opened is not None:
            await _leave(self.opened.stream_id, self.opened.viewer_key)
            self.opened = None

    async def _leave_rooms(self):
        room = getattr(self, "room", None)
        if room is not None:
            self.room = None
            await _room_leave(room, self)
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def receive(self, text_data=None, bytes_data=None):
        if self.opened is None:
            return
        raw = text_data if text_data is not None else bytes_data
        if raw is None or len(raw) > MAX_FRAME:
            await self._error("invalid", f"Messages are JSON objects of at most {MAX_FRAME} bytes.")
            return
        try:
            content = json.loads(raw)
        except ValueError:
            await self._error("invalid", "Messages are JSON objects.")
            return
        if not isinstance(content, dict):
            await self._error("invalid", "Messages are JSON objects.")
            return
        kind = content.get("type")
        ref = content.get("ref") if isinstance(content.get("ref"), str | int) else None
        if kind == "ping":
            await self.send(text_data=event_text("pong", ref=ref))
        elif kind == "heartbeat":
            await _heartbeat(self.opened.stream_id, self.user, self.opened.viewer_key)
        elif kind == "tip":
            try:
                await self.send(
                    text_data=await _tip(self.opened.stream_id, self.user.pk if self.user else None, content)
                )
            except ApplicationError as exc:
                await self._error(exc.code, exc.message, ref=ref)
        elif kind in ACTIONS:
            try:
                await _act(self.opened.stream_id, self.user.pk if self.user else None, kind, content)
            except ChatError as exc:
                await self._error(exc.code, exc.message, retry_after=exc.retry_after, ref=ref)
            except ApplicationError as exc:
                await self._error(exc.code, exc.message, ref=ref)
        else:
            await self._error("invalid", f"Unknown message type {kind!r}.", ref=ref)

    async def _error(self, code: str, detail: str, *, retry_after: int | None = None, ref: Any = None) -> None:
        fields: dict[str, Any] = {"code": code, "detail": detail}
        if retry_after is not None:
            fields["retry_after"] = retry_after
        if ref is not None:
            fields["ref"] = ref
        await self.send(text_data=event_text("error", **fields))

    # Channel-layer handlers ------------------------------------------------------------------

    async def chat_event(self, event):
        """A room event, serialized once by whoever sent it: passed through as is."""
        await self.send(text_data=event["text"])

    async def account_close(self, event):
        """The account was suspended or banned (accounts.services.sockets): close with 4409."""
        await self.chat_kick({"streamer_id": None, "code": event.get("code", "account_banned")})

    async def chat_kick(self, event):
        """Close this socket: a channel ban (for this streamer's chats) or a platform ban."""
        if self.opened is None:
            return
        streamer_id = event.get("streamer_id")
        if streamer_id is None:
            await self._error(event.get("code", "account_banned"), "This account can no longer use chat.")
            await self.close(code=CLOSE_ACCOUNT)
        elif streamer_id == self.opened.owner_id:
            await self._error("banned", "You are banned from this chat.")
            await self.close(code=CLOSE_BANNED)
