"""Stream chat: sending lines, the rules and modes, and moderation.

Every function here is synchronous; the chat consumer calls them through
``database_sync_to_async``. Events for the room go out after commit through
``core.side_effects.group_send`` to :func:`room_group`, already serialized (``text``) so a
process serializes an event once however many sockets it has in the room.

Counters that must hold across processes (the per-user rate limit, slow mode) live in the
Django cache: Redis when ``REDIS_URL`` is set, with atomic ``add``/``incr``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import regex
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from core import side_effects
from core.errors import ApplicationError, NotFoundError
from streaming.models import ChatBan, ChatModerationLog, ChatTimeout, LiveStream, StreamChat
from streaming.selectors import chat as chat_selectors
from streaming.selectors.streams import MODERATING_ROLES, chat_role, is_channel_moderator, is_platform_moderator

MAX_LENGTH = 500
MAX_REASON = 500
MAX_TIMEOUT_MINUTES = 60 * 24 * 14
MAX_SLOW_MODE = 60 * 60
MAX_BLOCKED_WORDS = 200


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def rate_limit() -> tuple[int, int, int]:
    """(messages, per seconds, then a timeout of seconds): 3 per 2 s, then 10 s by default."""
    return (
        _setting("STREAMING_CHAT_RATE_MESSAGES", 3),
        _setting("STREAMING_CHAT_RATE_SECONDS", 2),
        _setting("STREAMING_CHAT_RATE_TIMEOUT", 10),
    )


def room_group(stream_id: Any) -> str:
    """The channel-layer group of every chat socket of one stream."""
    return f"streaming.chat.{stream_id}"


def user_group(user_id: Any) -> str:
    """The channel-layer group of every chat socket of one signed-in user (to close them)."""
    return f"streaming.user.{user_id}"


class ChatError(ApplicationError):
    """A chat rule refused the action; ``code`` is one of the protocol's error codes."""

    def __init__(self, message: str, *, code: str, retry_after: int | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, code=code, extra={} if retry_after is None else {"retry_after": retry_after})


def broadcast(stream_id: Any, event_type: str, **fields: Any) -> None:
    """Send one event to every chat socket of the stream, after commit."""
    side_effects.group_send(
        room_group(stream_id), {"type": "chat.event", "text": chat_selectors.event_text(event_type, **fields)}
    )


# ---------------------------------------------------------------------------------------------
# Who may send
# ---------------------------------------------------------------------------------------------

_EMOJI_ONLY = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Component}\p{Emoji_Modifier}\u200d\ufe0f\u20e3\s]+")
_NOT_EMOJI = regex.compile(r"[0-9#*](?!\ufe0f?\u20e3)")


def is_emoji_only(text: str) -> bool:
    return bool(_EMOJI_ONLY.fullmatch(text)) and not _NOT_EMOJI.search(text)


def blocked_word_in(text: str, words: list[str]) -> str | None:
    """The first of ``words`` found in ``text`` as a whole word, ignoring case."""
    for word in words:
        word = word.strip()
        if word and regex.search(rf"(?<!\w){regex.escape(word)}(?!\w)", text, flags=regex.IGNORECASE | regex.V1):
            return word
    return None


def _remaining(until) -> int:
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def _check_rate_limit(*, stream: LiveStream, user: User) -> None:
    messages, seconds, timeout = rate_limit()
    blocked_key = f"streaming:chat:rl-timeout:{stream.pk}:{user.pk}"
    blocked_until = cache.get(blocked_key)
    now = time.time()
    if blocked_until is not None and blocked_until > now:
        raise ChatError(
            "You are sending too fast.", code="rate_limited", retry_after=max(1, math.ceil(blocked_until - now))
        )
    # The window opens with the user's first message and closes ``seconds`` later (cache expiry;
    # incr keeps it), so "3 per 2 s" holds exactly, with no boundary letting 6 through.
    window_key = f"streaming:chat:rl:{stream.pk}:{user.pk}"
    cache.add(window_key, 0, timeout=seconds)
    try:
        count = cache.incr(window_key)
    except ValueError:  # expired between add and incr
        cache.add(window_key, 1, timeout=seconds)
        count = 1
    if count > messages:
        cache.set(blocked_key, now + timeout, timeout=timeout)
        raise ChatError("You are sending too fast.", code="rate_limited", retry_after=timeout)


def _check_slow_mode(*, stream: LiveStream, user: User) -> None:
    if not stream.slow_mode_seconds:
        return
    key = f"streaming:chat:slow:{stream.pk}:{user.pk}"
    now = time.time()
    if not cache.add(key, now + stream.slow_mode_seconds, timeout=stream.slow_mode_seconds):
        until = cache.get(key) or now + 1
        raise ChatError(
            f"Slow mode: one message every {stream.slow_mode_seconds} seconds.",
            code="slow_mode",
            retry_after=max(1, math.ceil(until - now)),
        )


def _check_standing(*, stream: LiveStream, user: Any) -> None:
    """Signed in, verified, in good standing, not banned or timed out in this channel."""
    if user is None or not user.is_authenticated:
        raise ChatError("Sign in to chat.", code="not_allowed")
    if user.email_verified_at is None:
        raise ChatError("Verify your email address to chat.", code="not_allowed")
    from accounts.standing import restriction_error, standing_error

    if standing_error(user) is not None:
        raise ChatError("This account cannot chat.", code="not_allowed")
    if restriction_error(user) is not None:
        # A moderator's restriction (no posting or chat for N days): its own code, with the end.
        raise ChatError(
            f"This account may not chat until {user.restricted_until:%Y-%m-%d %H:%M} UTC.",
            code="account_restricted",
            retry_after=_remaining(user.restricted_until),
        )
    if chat_selectors.chat_ban_get(streamer_id=stream.owner_id, user_id=user.pk) is not None:
        raise ChatError("You are banned from this chat.", code="banned")
    until = chat_selectors.chat_timeout_until(streamer_id=stream.owner_id, user_id=user.pk)
    if until is not None:
        raise ChatError("You are timed out.", code="timed_out", retry_after=_remaining(until))


def _check_modes(*, stream: LiveStream, user: User, text: str) -> None:
    """The streamer's modes; the streamer and moderators are exempt (the caller skips this)."""
    if not stream.chat_enabled:
        raise ChatError("Chat is off.", code="chat_disabled")
    if stream.emoji_only and not is_emoji_only(text):
        raise ChatError("Emoji-only mode: only emoji may be sent.", code="emoji_only")
    if blocked_word_in(text, stream.blocked_words):
        raise ChatError("This message contains a word the streamer blocked.", code="blocked_word")
    if stream.followers_only_minutes is not None:
        from social.selectors.relations import following_since

        since = following_since(follower=user, followee=stream.owner_id)
        needed = timedelta(minutes=stream.followers_only_minutes)
        if since is None or since > timezone.now() - needed:
            retry = None if since is None else _remaining(since + needed)
            raise ChatError(
                f"Followers-only mode: follow for {stream.followers_only_minutes} minutes to chat.",
                code="followers_only",
                retry_after=retry,
            )
    if stream.subscribers_only:
        from billing.selectors import viewer_has_tier

        if not viewer_has_tier(viewer=user, creator_id=stream.owner_id, minimum_tier=stream.minimum_tier):
            raise ChatError("Subscribers-only mode: members may chat.", code="subscribers_only")


def _mentioned_users(handles: list[str], *, exclude_id: Any) -> list[User]:
    if not handles:
        return []
    return list(
        User.objects.annotate(handle_lower=Lower("handle"))
        .filter(handle_lower__in=handles, is_active=True)
        .exclude(pk=exclude_id)
    )


def chat_message_send(*, stream: LiveStream, user: Any, text: Any) -> StreamChat:
    """Post ``text`` to ``stream``'s chat as ``user``, and send it to the room.

    Refuses (``ChatError``) with ``not_allowed`` (signed out, unverified, suspended), ``banned``,
    ``timed_out``, ``invalid`` (empty, not text), ``too_long`` (over 500 characters),
    ``chat_disabled``, ``emoji_only``, ``blocked_word``, ``followers_only``, ``subscribers_only``,
    ``rate_limited`` and ``slow_mode`` (the last three with ``retry_after``). The streamer and
    moderators skip the modes, the rate limit and slow mode. Mentioned handles are notified
    (kind ``mention``) when they may see the stream.
    """
    _check_standing(stream=stream, user=user)
    if not isinstance(text, str) or not text.strip():
        raise ChatError("A message needs text.", code="invalid")
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise ChatError(f"Messages are at most {MAX_LENGTH} characters.", code="too_long")
    if stream.status == LiveStream.Status.ENDED:
        raise ChatError("The stream has ended.", code="chat_disabled")
    exempt = chat_role(stream=stream, user=user) in MODERATING_ROLES
    if not exempt:
        _check_modes(stream=stream, user=user, text=text)
        _check_rate_limit(stream=stream, user=user)
        _check_slow_mode(stream=stream, user=user)

    from content.services.post_text import mentions_parse
    from notifications.services import notify
    from streaming.selectors.streams import can_view_stream

    with transaction.atomic():
        mentioned = _mentioned_users(mentions_parse(text), exclude_id=user.pk)
        message = StreamChat.objects.create(
            stream=stream, sender=user, text=text, mentions=[u.handle.lower() for u in mentioned]
        )
        LiveStream.all_objects.filter(pk=stream.pk).update(chat_messages_count=F("chat_messages_count") + 1)
        for recipient in mentioned:
            if can_view_stream(stream=stream, user=recipient):
                notify(
                    recipient=recipient,
                    kind="mention",
                    actor=user,
                    target=stream,
                    data={"stream_id": str(stream.pk), "message_id": str(message.pk)},
                    idempotency_key=f"stream-chat-mention:{message.pk}",
                )
        message.sender = user
        badge = chat_selectors.member_tier_of_sender(stream=stream, sender=user)
        broadcast(stream.pk, "message", message=chat_selectors.message_payload(message, member_tier=badge))
    return message


def chat_tip_publish(
    *,
    stream: LiveStream,
    sender: User | None,
    text: str,
    amount_minor: int,
    currency: str,
    donation_id: Any,
    extra: dict[str, Any] | None = None,
) -> StreamChat:
    """Show a tip in the chat (``streaming.services.tips`` calls this once the payment succeeded).

    Tips skip the chat's modes and limits: they are paid for. The event is ``tip``. ``sender`` is
    None for a tip anonymous to other viewers; ``extra`` goes into the line's ``payload``.
    """
    with transaction.atomic():
        message = StreamChat.objects.create(
            stream=stream,
            sender=sender,
            kind=StreamChat.Kind.TIP,
            text=(text or "")[:MAX_LENGTH],
            payload={
                "amount_minor": amount_minor,
                "currency": currency,
                "donation_id": str(donation_id),
                **(extra or {}),
            },
        )
        badge = chat_selectors.member_tier_of_sender(stream=stream, sender=sender)
        broadcast(stream.pk, "tip", message=chat_selectors.message_payload(message, member_tier=badge))
    return message


# ---------------------------------------------------------------------------------------------
# Moderation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Actor:
    user: User
    role: str


def _moderator(*, stream: LiveStream, by: Any) -> _Actor:
    role = chat_role(stream=stream, user=by)
    if role not in MODERATING_ROLES:
        raise ChatError("Only the streamer and moderators can do this.", code="not_allowed")
    return _Actor(user=by, role=role)


def _ensure_may_act_on(*, stream: LiveStream, actor: _Actor, target_id: Any) -> None:
    """Nobody acts on the streamer or on themselves; the streamer's moderators do not act on
    other moderators (theirs or the platform's); the streamer and platform moderators may."""
    if str(target_id) == str(stream.owner_id):
        raise ChatError("Nobody can act against the streamer in their own chat.", code="not_allowed")
    if str(target_id) == str(actor.user.pk):
        raise ChatError("You cannot act against yourself.", code="not_allowed")
    if actor.role == "moderator":
        target = User.all_objects.filter(pk=target_id).first()
        if target is not None and (
            is_platform_moderator(user=target) or is_channel_moderator(streamer_id=stream.owner_id, user=target)
        ):
            raise ChatError("Moderators cannot act against other moderators.", code="not_allowed")


def _target_user(user_id: Any) -> User:
    try:
        return User.all_objects.get(pk=user_id)
    except Exception as exc:  # DoesNotExist, or an id that is not a UUID
        raise ChatError("No such user.", code="not_found") from exc


def _reason(reason: Any) -> str:
    return str(reason or "")[:MAX_REASON]


# Apps that keep the platform's one moderation log (moderation) register a listener, called as
# listener(entry=ChatModerationLog) in the same transaction as every chat moderation entry.
chat_log_listeners: list = []


def register_chat_log_listener(listener) -> None:
    if listener not in chat_log_listeners:
        chat_log_listeners.append(listener)


def _log_entry(**fields: Any) -> ChatModerationLog:
    entry = ChatModerationLog.objects.create(**fields)
    for listener in chat_log_listeners:
        listener(entry=entry)
    return entry


def _log(
    *,
    stream: LiveStream,
    actor: User,
    action: str,
    target_user: Any = None,
    message: Any = None,
    reason: str = "",
    details: dict | None = None,
) -> ChatModerationLog:
    return _log_entry(
        streamer_id=stream.owner_id,
        stream=stream,
        actor=actor,
        action=action,
        target_user=target_user,
        message=message,
        reason=reason,
        details=details or {},
    )


def _message_of(stream: LiveStream, message_id: Any, *, locked: bool = False) -> StreamChat:
    try:
        rows = StreamChat.objects.select_for_update() if locked else StreamChat.objects
        return rows.get(pk=message_id, stream=stream)
    except Exception as exc:  # DoesNotExist, or an id that is not a UUID
        raise ChatError("No such message.", code="not_found") from exc


@transaction.atomic
def chat_message_delete(*, stream: LiveStream, by: Any, message_id: Any, reason: Any = "") -> StreamChat:
    """Hide one line from everyone (``message_deleted``); the row stays for the logs."""
    actor = _moderator(stream=stream, by=by)
    message = _message_of(stream, message_id, locked=True)
    if message.sender_id is not None and message.sender_id != by.pk:
        _ensure_may_act_on(stream=stream, actor=actor, target_id=message.sender_id)
    message.deleted_at = timezone.now()
    message.deleted_by = by
    message.deleted_reason = _reason(reason)
    message.save(update_fields=["deleted_at", "deleted_by", "deleted_reason", "updated_at"])
    if stream.pinned_message_id == message.pk:
        LiveStream.all_objects.filter(pk=stream.pk).update(pinned_message=None)
        stream.pinned_message_id = None
        broadcast(stream.pk, "pinned", message=None)
    _log(
        stream=stream,
        actor=by,
        action=ChatModerationLog.Action.DELETE,
        target_user=message.sender,
        message=message,
        reason=message.deleted_reason,
    )
    broadcast(stream.pk, "message_deleted", message_id=str(message.pk))
    return message


@transaction.atomic
def chat_user_timeout(*, stream: LiveStream, by: Any, user_id: Any, minutes: Any, reason: Any = "") -> ChatTimeout:
    """Keep ``user_id`` from writing in the streamer's chats for ``minutes`` (1 to 14 days' worth)."""
    actor = _moderator(stream=stream, by=by)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_TIMEOUT_MINUTES:
        raise ChatError(f"minutes must be a whole number from 1 to {MAX_TIMEOUT_MINUTES}.", code="invalid")
    target = _target_user(user_id)
    _ensure_may_act_on(stream=stream, actor=actor, target_id=target.pk)
    until = timezone.now() + timedelta(minutes=minutes)
    timeout, _ = ChatTimeout.objects.update_or_create(
        streamer_id=stream.owner_id, user=target, defaults={"until": until, "reason": _reason(reason), "created_by": by}
    )
    _log(
        stream=stream,
        actor=by,
        action=ChatModerationLog.Action.TIMEOUT,
        target_user=target,
        reason=_reason(reason),
        details={"minutes": minutes, "until": until.isoformat()},
    )
    broadcast(stream.pk, "user_timed_out", user_id=str(target.pk), until=until.isoformat())
    return timeout


@transaction.atomic
def chat_user_ban(*, stream: LiveStream, by: Any, user_id: Any, reason: Any = "") -> ChatBan:
    """Ban ``user_id`` from every chat of the streamer until unbanned; their open sockets close (4406)."""
    actor = _moderator(stream=stream, by=by)
    target = _target_user(user_id)
    _ensure_may_act_on(stream=stream, actor=actor, target_id=target.pk)
    ban, created = ChatBan.objects.get_or_create(
        streamer_id=stream.owner_id, user=target, defaults={"reason": _reason(reason), "created_by": by}
    )
    if not created:
        raise ChatError("This user is already banned here.", code="invalid")
    _log(stream=stream, actor=by, action=ChatModerationLog.Action.BAN, target_user=target, reason=ban.reason)
    broadcast(stream.pk, "user_banned", user_id=str(target.pk))
    side_effects.group_send(
        user_group(target.pk), {"type": "chat.kick", "streamer_id": str(stream.owner_id), "code": "banned"}
    )
    return ban


@transaction.atomic
def chat_user_unban(*, stream: LiveStream, by: Any, user_id: Any, reason: Any = "") -> None:
    actor = _moderator(stream=stream, by=by)
    target = _target_user(user_id)
    _ensure_may_act_on(stream=stream, actor=actor, target_id=target.pk)
    deleted, _ = ChatBan.objects.filter(streamer_id=stream.owner_id, user=target).delete()
    if not deleted:
        raise ChatError("This user is not banned here.", code="not_found")
    _log(stream=stream, actor=by, action=ChatModerationLog.Action.UNBAN, target_user=target, reason=_reason(reason))
    broadcast(stream.pk, "user_unbanned", user_id=str(target.pk))


@transaction.atomic
def chat_message_pin(*, stream: LiveStream, by: Any, message_id: Any, reason: Any = "") -> StreamChat:
    _moderator(stream=stream, by=by)
    message = _message_of(stream, message_id)
    LiveStream.all_objects.filter(pk=stream.pk).update(pinned_message=message)
    stream.pinned_message_id = message.pk
    _log(
        stream=stream,
        actor=by,
        action=ChatModerationLog.Action.PIN,
        target_user=message.sender,
        message=message,
        reason=_reason(reason),
    )
    badge = chat_selectors.member_tier_of_sender(stream=stream, sender=message.sender)
    broadcast(stream.pk, "pinned", message=chat_selectors.message_payload(message, member_tier=badge))
    return message


@transaction.atomic
def chat_message_unpin(*, stream: LiveStream, by: Any, reason: Any = "") -> None:
    _moderator(stream=stream, by=by)
    current = LiveStream.all_objects.select_for_update().values_list("pinned_message_id", flat=True).get(pk=stream.pk)
    if current is None:
        raise ChatError("Nothing is pinned.", code="not_found")
    LiveStream.all_objects.filter(pk=stream.pk).update(pinned_message=None)
    stream.pinned_message_id = None
    _log(
        stream=stream,
        actor=by,
        action=ChatModerationLog.Action.UNPIN,
        reason=_reason(reason),
        details={"message_id": str(current)},
    )
    broadcast(stream.pk, "pinned", message=None)


@transaction.atomic
def chat_clear(*, stream: LiveStream, by: Any, reason: Any = "") -> int:
    """Hide every line of the stream's chat from everyone (``chat_cleared``). Returns how many."""
    _moderator(stream=stream, by=by)
    count = StreamChat.objects.filter(stream=stream).update(
        deleted_at=timezone.now(), deleted_by=by, deleted_reason=_reason(reason) or "chat cleared"
    )
    LiveStream.all_objects.filter(pk=stream.pk).update(pinned_message=None)
    stream.pinned_message_id = None
    _log(
        stream=stream,
        actor=by,
        action=ChatModerationLog.Action.CLEAR,
        reason=_reason(reason),
        details={"messages": count},
    )
    broadcast(stream.pk, "chat_cleared")
    return count


SETTINGS_FIELDS = (
    "chat_enabled",
    "slow_mode_seconds",
    "followers_only_minutes",
    "subscribers_only",
    "emoji_only",
    "blocked_words",
)


def _clean_settings(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ChatError(f"Unknown settings: {', '.join(sorted(unknown))}.", code="invalid")
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("chat_enabled", "subscribers_only", "emoji_only"):
            if not isinstance(value, bool):
                raise ChatError(f"{name} is true or false.", code="invalid")
        elif name == "slow_mode_seconds":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SLOW_MODE:
                raise ChatError(f"slow_mode_seconds is 0 (off) to {MAX_SLOW_MODE}.", code="invalid")
        elif name == "followers_only_minutes":
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60 * 24 * 90
            ):
                raise ChatError("followers_only_minutes is null (off) or 0 to 129600.", code="invalid")
        elif name == "blocked_words":
            if (
                not isinstance(value, list)
                or len(value) > MAX_BLOCKED_WORDS
                or not all(isinstance(w, str) and 0 < len(w.strip()) <= 100 for w in value)
            ):
                raise ChatError(f"blocked_words is a list of at most {MAX_BLOCKED_WORDS} words.", code="invalid")
            value = list(dict.fromkeys(w.strip() for w in value))
        clean[name] = value
    return clean


@transaction.atomic
def chat_settings_update(*, stream: LiveStream, by: Any, changes: dict[str, Any], reason: Any = "") -> LiveStream:
    """Change the chat's modes (the streamer and moderators); everyone gets the new ``settings``."""
    _moderator(stream=stream, by=by)
    clean = _clean_settings(changes)
    if not clean:
        raise ChatError("Nothing to change.", code="invalid")
    stream = LiveStream.all_objects.select_for_update().get(pk=stream.pk)
    for name, value in clean.items():
        setattr(stream, name, value)
    stream.save(update_fields=[*clean, "updated_at"])
    _log(stream=stream, actor=by, action=ChatModerationLog.Action.SETTINGS, reason=_reason(reason), details=clean)
    broadcast(stream.pk, "settings", settings=chat_selectors.chat_settings_payload(stream))
    return stream


def _ensure_staff(by: Any) -> None:
    if not is_platform_moderator(user=by):
        raise ChatError("Only platform moderators can do this.", code="not_allowed")


@transaction.atomic
def chat_channel_ban_by_staff(*, streamer: User, user: User, by: Any, reason: str) -> ChatBan:
    """A platform moderator (the admin) bans ``user`` from ``streamer``'s chats; sockets close (4406)."""
    _ensure_staff(by)
    if user.pk == streamer.pk:
        raise ChatError("Nobody can ban the streamer from their own chat.", code="not_allowed")
    ban, created = ChatBan.objects.get_or_create(
        streamer=streamer, user=user, defaults={"reason": _reason(reason), "created_by": by}
    )
    if not created:
        raise ChatError("This user is already banned here.", code="invalid")
    _log_entry(streamer=streamer, actor=by, action=ChatModerationLog.Action.BAN, target_user=user, reason=ban.reason)
    side_effects.group_send(
        user_group(user.pk), {"type": "chat.kick", "streamer_id": str(streamer.pk), "code": "banned"}
    )
    return ban


@transaction.atomic
def chat_channel_unban_by_staff(*, ban: ChatBan, by: Any, reason: str) -> None:
    _ensure_staff(by)
    _log_entry(
        streamer_id=ban.streamer_id, actor=by, action=ChatModerationLog.Action.UNBAN, target_user_id=ban.user_id,
        reason=_reason(reason),
    )  # fmt: skip
    ban.delete()


@transaction.atomic
def chat_message_delete_by_staff(*, message: StreamChat, by: Any, reason: str) -> StreamChat:
    """A platform moderator removes a line from the admin (the same as over the socket)."""
    stream = LiveStream.all_objects.get(pk=message.stream_id)
    return chat_message_delete(stream=stream, by=by, message_id=message.pk, reason=reason)


@transaction.atomic
def chat_lines_of_sender_hide(*, user: Any, reason: str, marker: str) -> int:
    """A suspension or ban with "hide their chat": every visible line ``user`` sent, in any stream,
    is hidden from everyone (rows kept for the logs), tagged with ``marker`` (the action's id) in
    ``extra_metadata`` so that :func:`chat_lines_hidden_restore` can bring back exactly these.
    Rooms of live streams get ``message_deleted`` for each line. Returns how many were hidden."""
    lines = StreamChat.objects.filter(sender=user, deleted_at__isnull=True).select_related("stream")
    hidden = list(lines.values_list("pk", "stream_id", "stream__status"))
    if not hidden:
        return 0
    now = timezone.now()
    StreamChat.objects.filter(pk__in=[pk for pk, _, _ in hidden]).update(
        deleted_at=now, deleted_reason=_reason(reason), extra_metadata={"hidden_by": marker}, updated_at=now
    )
    LiveStream.all_objects.filter(pinned_message__sender=user).update(pinned_message=None, updated_at=now)
    for pk, stream_id, status in hidden:
        if status == LiveStream.Status.LIVE:
            broadcast(stream_id, "message_deleted", message_id=str(pk))
    return len(hidden)


@transaction.atomic
def chat_lines_hidden_restore(*, marker: str) -> int:
    """Lifting the action: the lines :func:`chat_lines_of_sender_hide` hid under ``marker`` are
    visible again (lines a moderator deleted one by one stay deleted). Returns how many."""
    return StreamChat.all_objects.filter(extra_metadata__hidden_by=marker, deleted_at__isnull=False).update(
        deleted_at=None, deleted_reason="", extra_metadata={}, updated_at=timezone.now()
    )


def chat_message_get(*, stream: LiveStream, message_id: Any) -> StreamChat:
    try:
        return StreamChat.objects.get(pk=message_id, stream=stream)
    except Exception as exc:
        raise NotFoundError("No such message.") from exc


PURGED_REASON = "account deleted"


@transaction.atomic
def chat_lines_of_sender_redact(*, user: Any) -> int:
    """Account purge: every chat line ``user`` sent (messages and tips, any stream) keeps its row
    but loses its text, mentions and sender, and is hidden: marked deleted with the reason
    ``account deleted``, unless a moderator deleted it already (their reason stays). A pin on such
    a line is lifted. Rows stay so the streams' message counts and the moderation logs pointing
    at the lines still add up; nothing left says who wrote them. Returns the number of lines.
    Running it twice changes nothing more."""
    lines = StreamChat.all_objects.filter(sender=user)
    now = timezone.now()
    LiveStream.all_objects.filter(pinned_message__sender=user).update(pinned_message=None, updated_at=now)
    lines.filter(deleted_at__isnull=True).update(deleted_at=now, deleted_reason=PURGED_REASON)
    return lines.update(sender=None, text="", mentions=[], updated_at=now)


@transaction.atomic
def chat_sanctions_of_user_delete(*, user: Any) -> tuple[int, int]:
    """Account purge: delete every ``ChatBan`` and ``ChatTimeout`` naming ``user``, as the user
    banned or timed out, or as the streamer whose chats they concern. A purged account can never
    chat again (nor stream: its streams are deleted), so the rows protect nobody and only name
    it. The ``ChatModerationLog`` entries of those bans and timeouts stay: no foreign key points
    from the log (or anything else) at a ban or a timeout, so nothing cascades; the log's
    ``target_user``/``streamer`` keep pointing at the account's tombstone. Returns (bans,
    timeouts) deleted; running it again deletes nothing."""
    naming = Q(user=user) | Q(streamer=user)
    bans, _ = ChatBan.objects.filter(naming).delete()
    timeouts, _ = ChatTimeout.objects.filter(naming).delete()
    return bans, timeouts


@transaction.atomic
def chat_message_restore_by_staff(*, message_id: Any, by: Any) -> int:
    """A platform moderator reverses a removal: the line is visible again (history and logs).
    Returns 1, or 0 when it was not deleted."""
    _ensure_staff(by)
    return StreamChat.all_objects.filter(pk=message_id, deleted_at__isnull=False).update(
        deleted_at=None, deleted_by=None, deleted_reason="", updated_at=timezone.now()
    )
