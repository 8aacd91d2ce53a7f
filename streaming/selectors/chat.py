"""Reads of stream chat: recent lines, the shapes sent over the socket, bans, timeouts, logs."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import Subquery
from django.utils import timezone

from core.compiled import CompiledQuery
from streaming.models import ChatBan, ChatModerationLog, ChatTimeout, LiveStream, StreamChat

HISTORY_SIZE = 50


def message_payload(message: StreamChat, *, member_tier: str | None = None) -> dict[str, Any]:
    """One chat line as clients see it (``sender`` is None for system lines). ``member_tier``: the
    name of the sender's membership tier of the streamer, shown as a badge (None: not a member)."""
    sender = message.sender
    return {
        "id": str(message.pk),
        "kind": message.kind,
        "text": message.text,
        "mentions": list(message.mentions),
        "payload": message.payload,
        "created_at": message.created_at.isoformat(),
        "sender": None
        if sender is None
        else {
            "id": str(sender.pk),
            "handle": sender.handle,
            "display_name": sender.display_name,
            "member_tier": member_tier,
        },
    }


def messages_payload(*, stream: LiveStream, messages: list[StreamChat]) -> list[dict[str, Any]]:
    """Many lines with their senders' member badges (one query for all the badges)."""
    from billing.selectors import member_badges

    sender_ids = {m.sender_id for m in messages if m.sender_id is not None}
    # No senders (no lines, or system lines only): no badges, without building the query.
    badges = member_badges(creator_id=stream.owner_id, viewer_ids=sender_ids) if sender_ids else {}
    return [message_payload(m, member_tier=badges.get(m.sender_id)) for m in messages]


def member_tier_of_sender(*, stream: LiveStream, sender: Any) -> str | None:
    """The badge of one sender: their tier's name, or None."""
    from billing.selectors import membership_tier_of

    tier = membership_tier_of(viewer=sender, creator_id=stream.owner_id)
    return tier.name if tier is not None else None


def chat_settings_payload(stream: LiveStream) -> dict[str, Any]:
    return {
        "chat_enabled": stream.chat_enabled,
        "slow_mode_seconds": stream.slow_mode_seconds,
        "followers_only_minutes": stream.followers_only_minutes,
        "subscribers_only": stream.subscribers_only,
        "emoji_only": stream.emoji_only,
        "blocked_words": list(stream.blocked_words),
    }


def event_text(event_type: str, **fields: Any) -> str:
    """A server-to-client event, serialized once for every socket it goes to."""
    return json.dumps({"type": event_type, **fields}, separators=(",", ":"), default=str)


def chat_recent(*, stream: LiveStream, limit: int = HISTORY_SIZE) -> list[StreamChat]:
    """The last ``limit`` visible lines of ``stream``'s chat, oldest first."""
    rows = list(StreamChat.objects.filter(stream=stream).select_related("sender").order_by("-id")[:limit])
    rows.reverse()
    return rows


def chat_pinned(*, stream: LiveStream) -> StreamChat | None:
    if stream.pinned_message_id is None:
        return None
    return StreamChat.objects.filter(pk=stream.pinned_message_id).select_related("sender").first()


# chat_recent's and chat_pinned's statements, compiled once, for the chat socket's welcome: its
# admission trip sends them with the stream's read, answered in one round trip (core.compiled).
_SAMPLE_ID = uuid.UUID("00000000-0000-0000-0000-5a3b1e0c4a70")
RECENT = CompiledQuery(
    lambda stream_id: (
        StreamChat.objects.filter(stream_id=stream_id).select_related("sender").order_by("-id")[:HISTORY_SIZE]
    ),
    "stream_id",
    samples={"stream_id": _SAMPLE_ID},
)
# The line pinned in the stream now (the stream's pinned_message_id, read in the same statement).
PINNED_OF_STREAM = CompiledQuery(
    lambda stream_id: (
        StreamChat.objects.filter(pk=Subquery(LiveStream.objects.filter(pk=stream_id).values("pinned_message_id")[:1]))
        .select_related("sender")
        .order_by("-id")[:1]
    ),
    "stream_id",
    samples={"stream_id": _SAMPLE_ID},
)


def chat_recent_rows(rows: list) -> list[StreamChat]:
    """:func:`chat_recent`'s lines from the rows of :data:`RECENT` (newest first), oldest first."""
    lines = list(RECENT.instances(rows))
    lines.reverse()
    return lines


def chat_ban_get(*, streamer_id: Any, user_id: Any) -> ChatBan | None:
    return ChatBan.objects.filter(streamer_id=streamer_id, user_id=user_id).first()


def chat_timeout_until(*, streamer_id: Any, user_id: Any):
    """When the moderator's timeout of ``user_id`` in ``streamer_id``'s chats ends, or None."""
    return (
        ChatTimeout.objects.filter(streamer_id=streamer_id, user_id=user_id, until__gt=timezone.now())
        .values_list("until", flat=True)
        .first()
    )


def chat_bans_of(*, streamer: Any):
    return ChatBan.objects.filter(streamer=streamer).select_related("user", "created_by").order_by("-id")


def moderation_log_of(*, stream: LiveStream):
    return ChatModerationLog.objects.filter(stream=stream).select_related("actor", "target_user").order_by("-id")


def chat_message_for_viewer(*, message_id: Any, user: Any) -> StreamChat:
    """A visible chat line sent by a user, in a stream ``user`` may see; 404 ``not_found`` otherwise
    (deleted lines, system lines and tips, streams hidden from ``user``)."""
    from core.errors import NotFoundError
    from streaming.selectors.streams import stream_visible_to

    message = (
        StreamChat.objects.select_related("stream", "sender")
        .filter(pk=message_id, kind=StreamChat.Kind.MESSAGE, sender__isnull=False, stream__deleted_at__isnull=True)
        .first()
    )
    if message is None or not stream_visible_to(stream=message.stream, user=user):
        raise NotFoundError("No such message.")
    return message


def chat_context(*, message: StreamChat, around: int = 5) -> list[StreamChat]:
    """``around`` lines before ``message``, the message, and ``around`` after, oldest first (deleted
    lines included: a moderator reviewing a report sees what the room saw at the time)."""
    lines = StreamChat.all_objects.filter(stream_id=message.stream_id).select_related("sender")
    before = list(lines.filter(id__lt=message.pk).order_by("-id")[:around])
    after = list(lines.filter(id__gt=message.pk).order_by("id")[:around])
    return [*reversed(before), message, *after]
