"""``/ws/streams/<id>/chat/``: a stream's chat, its moderation, presence and live metrics.

The protocol (every message in both directions, error codes, close codes) is in
``docs/streaming-chat.md``. The consumer only parses and renders: every rule is in
``streaming.services.chat``, reached through ``database_sync_to_async``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from core.errors import ApplicationError
from streaming.selectors.chat import event_text
from streaming.services.chat import ChatError, room_group, user_group

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's); each is preceded by an ``error`` message.
CLOSE_NOT_ALLOWED = 4403  # the stream is not visible to this user (followers/subscribers only)
CLOSE_NOT_FOUND = 4404  # no such stream
CLOSE_BANNED = 4406  # banned from this streamer's chat (now, or on connect)
CLOSE_ACCOUNT = 4409  # the account is banned or suspended platform-wide

MAX_FRAME = 4096


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
    welcome: str


def _client_id(scope: dict) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("client_id")
    return values[0] if values else None


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


@database_sync_to_async
def _open(*, stream_id: str, user: Any, client_id: str | None, headers: dict[str, str]) -> _Opened:
    from accounts.selectors import standing_error
    from core.errors import NotFoundError
    from streaming.selectors import chat as chat_selectors
    from streaming.selectors.streams import MODERATING_ROLES, can_view_stream, chat_role, stream_get
    from streaming.services.viewers import viewer_heartbeat, viewer_key_for

    try:
        stream = stream_get(stream_id=stream_id)
    except NotFoundError as exc:
        raise ChatClose(CLOSE_NOT_FOUND, "not_found", "No such stream.") from exc
    if user is not None:
        error = standing_error(user)
        if error is not None:
            raise ChatClose(CLOSE_ACCOUNT, error.code, error.message)
    if not can_view_stream(stream=stream, user=user):
        raise ChatClose(CLOSE_NOT_ALLOWED, "not_allowed", "This stream is not visible to you.")
    if user is not None and chat_selectors.chat_ban_get(streamer_id=stream.owner_id, user_id=user.pk):
        raise ChatClose(CLOSE_BANNED, "banned", "You are banned from this chat.")
    role = chat_role(stream=stream, user=user)
    try:
        viewer_key = viewer_key_for(user=user, client_id=client_id)
    except ApplicationError:
        viewer_key = f"anon:ws-{uuid.uuid4().hex}"
    if stream.status == stream.Status.LIVE:
        from streaming.services.viewers import country_from_headers

        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        viewer_heartbeat(
            stream=stream,
            viewer_key=viewer_key,
            user=user,
            country=country_from_headers(meta),
            user_agent=headers.get("user-agent", ""),
        )
    pinned = chat_selectors.chat_pinned(stream=stream)
    can_send = user is not None and user.email_verified_at is not None
    welcome = event_text(
        "welcome",
        stream={
            "id": str(stream.pk),
            "title": stream.title,
            "status": stream.status,
            "owner_id": str(stream.owner_id),
        },
        settings=chat_selectors.chat_settings_payload(stream),
        pinned=None if pinned is None else chat_selectors.message_payload(pinned),
        messages=[chat_selectors.message_payload(m) for m in chat_selectors.chat_recent(stream=stream)],
        you={
            "user_id": None if user is None else str(user.pk),
            "role": role,
            "can_send": can_send,
            "is_moderator": role in MODERATING_ROLES,
        },
    )
    return _Opened(str(stream.pk), str(stream.owner_id), role, viewer_key, welcome)


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
def _heartbeat(stream_id: str, user: Any, viewer_key: str) -> None:
    from streaming.models import LiveStream
    from streaming.services.viewers import viewer_heartbeat

    stream = LiveStream.objects.filter(pk=stream_id, status=LiveStream.Status.LIVE).first()
    if stream is not None:
        viewer_heartbeat(stream=stream, viewer_key=viewer_key, user=user)


@database_sync_to_async
def _leave(stream_id: str, viewer_key: str) -> None:
    from streaming.models import LiveStream
    from streaming.services.viewers import viewer_leave

    stream = LiveStream.objects.filter(pk=stream_id).first()
    if stream is not None:
        viewer_leave(stream=stream, viewer_key=viewer_key)


@database_sync_to_async
def _metrics_if_due(stream_id: str):
    from streaming.services.metrics import stream_metrics_if_due

    return stream_metrics_if_due(stream_id=stream_id)


# ---------------------------------------------------------------------------------------------
# Live metrics: one small task per room per process. Each interval every process hosting the
# room tries; the cache lets one of them compute and broadcast (see stream_metrics_if_due).
# ---------------------------------------------------------------------------------------------

_rooms: dict[str, int] = {}
_tasks: dict[str, asyncio.Task] = {}


async def _metrics_loop(stream_id: str, layer) -> None:
    from streaming.services.metrics import metrics_interval

    while True:
        interval = metrics_interval()
        await asyncio.sleep(interval - (time.time() % interval) + 0.05)
        try:
            payload = await _metrics_if_due(stream_id)
            if payload is not None:
                await layer.group_send(
                    room_group(stream_id), {"type": "chat.event", "text": event_text("metrics", **payload)}
                )
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end the room's metrics
            logger.exception("metrics for stream %s failed", stream_id)


def _room_join(stream_id: str, layer) -> None:
    _rooms[stream_id] = _rooms.get(stream_id, 0) + 1
    task = _tasks.get(stream_id)
    if task is None or task.done():
        _tasks[stream_id] = asyncio.get_running_loop().create_task(_metrics_loop(stream_id, layer))


def _room_leave(stream_id: str) -> None:
    left = _rooms.get(stream_id, 0) - 1
    if left > 0:
        _rooms[stream_id] = left
        return
    _rooms.pop(stream_id, None)
    task = _tasks.pop(stream_id, None)
    if task is not None:
        task.cancel()


ACTIONS = {"message", "delete", "timeout", "ban", "unban", "pin", "unpin", "clear", "settings"}


class StreamChatConsumer(AsyncWebsocketConsumer):
    """One viewer's chat socket. See docs/streaming-chat.md for the protocol."""

    opened: _Opened | None = None

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        stream_id = str(self.scope["url_route"]["kwargs"]["stream_id"])
        self.groups_joined: list[str] = []
        # Join first, then read the history, so nothing sent in between is missed.
        for group in [room_group(stream_id), *([user_group(self.user.pk)] if self.user else [])]:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        try:
            self.opened = await _open(
                stream_id=stream_id, user=self.user, client_id=_client_id(self.scope), headers=_headers(self.scope)
            )
        except ChatClose as exc:
            await self._leave_groups()
            await self._error(exc.code, exc.detail)
            await self.close(code=exc.close_code)
            return
        await self.send(text_data=self.opened.welcome)
        _room_join(self.opened.stream_id, self.channel_layer)

    async def disconnect(self, code):
        await self._leave_groups()
        if self.opened is not None:
            _room_leave(self.opened.stream_id)
            await _leave(self.opened.stream_id, self.opened.viewer_key)
            self.opened = None

    async def _leave_groups(self):
        for group in self.groups_joined:
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
