"""Writes of live streams: create, settings, the status machine, keys, reminders, go-live fan-out.

The status machine (also in ``LiveStream``'s docstring) is written once, in ``TRANSITIONS``::

    scheduled ──(ingest publishes / IVS Stream Start / reconciler)──▶ live
    live ──(ingest stops / IVS Stream End / owner ends / moderator ends / reconciler)──▶ ended
    scheduled ──(owner cancels)──▶ ended

``ended`` is final. Anything else is 409 ``invalid_transition``. Stream keys are secrets: they
are made here with ``secrets``, returned to the owner only, and never put in a log line or an
error message.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.selectors import posting_restriction_error
from billing.selectors import viewer_has_tier
from core import side_effects
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from notifications.services import notify
from social.selectors.relations import follower_ids
from streaming.models import LiveStream, StreamReminder
from streaming.providers import ivs
from streaming.selectors.playback import (
    playback_auth_unconfigured_error,
    playback_signing_key_error,
    stream_needs_playback_token,
    visibility_needs_playback_token,
)
from streaming.selectors.streams import stream_dir, stream_visible_to

logger = logging.getLogger(__name__)

Status = LiveStream.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SCHEDULED: frozenset({Status.LIVE, Status.ENDED}),
    Status.LIVE: frozenset({Status.ENDED}),
    Status.ENDED: frozenset(),
}

# Fields the owner may change, and those that only make sense before the stream starts.
EDITABLE = {
    "title", "description", "tags", "visibility", "minimum_tier", "monetized", "scheduled_at", "record", "chat_enabled",
    "slow_mode_seconds", "followers_only_minutes", "subscribers_only", "emoji_only", "blocked_words",
}  # fmt: skip
BEFORE_START_ONLY = {"scheduled_at", "record"}


def stream_key_generate() -> str:
    """A new local stream key: 256 random bits, URL-safe (it is the last path part of the RTMP URL)."""
    return f"live_{secrets.token_urlsafe(32)}"


def _clean_tags(tags: list[str] | None) -> list[str]:
    seen: list[str] = []
    for tag in tags or []:
        tag = tag.strip().lower().lstrip("#")[:50]
        if tag and tag not in seen:
            seen.append(tag)
    return seen[:20]


def _clean_words(words: list[str] | None) -> list[str]:
    return sorted({word.strip().lower()[:100] for word in words or [] if word.strip()})[:200]


def _check_scheduled_at(scheduled_at: dt.datetime | None) -> None:
    if scheduled_at is not None and scheduled_at <= timezone.now():
        raise ApplicationError("Schedule the stream for a time in the future.", code="scheduled_in_past")


def _check_may_stream(user: Any) -> None:
    error = posting_restriction_error(user)
    if error is not None:
        raise error
    if not user.has_perm("streaming.add_livestream"):
        raise PermissionDeniedError("Only creators can stream.", code="creators_only")


def stream_create(
    *,
    owner: Any,
    title: str,
    description: str = "",
    tags: list[str] | None = None,
    visibility: str = LiveStream.Visibility.PUBLIC,
    minimum_tier: int | None = None,
    monetized: bool = True,
    scheduled_at: dt.datetime | None = None,
    record: bool = False,
    chat_enabled: bool = True,
    slow_mode_seconds: int = 0,
    followers_only_minutes: int | None = None,
    subscribers_only: bool = False,
    emoji_only: bool = False,
    blocked_words: list[str] | None = None,
) -> LiveStream:
    """Create a stream now (``scheduled_at`` empty) or for later, on the configured provider.

    Creators only (403 ``creators_only``); a time in the past is 400 ``scheduled_in_past``. With
    IVS the channel (and its key) is made first; if saving fails the channel is deleted again. A
    followers-only or subscribers-only stream's channel requires playback tokens; without a key to
    sign them such a stream is not created (503 ``playback_auth_unconfigured``).
    """
    _check_may_stream(owner)
    _check_scheduled_at(scheduled_at)
    if not title.strip():
        raise ApplicationError("A stream needs a title.", code="title_required")
    stream = LiveStream(
        owner=owner,
        title=title.strip(),
        description=description,
        tags=_clean_tags(tags),
        visibility=visibility,
        minimum_tier=minimum_tier,
        monetized=monetized,
        scheduled_at=scheduled_at,
        record=record,
        chat_enabled=chat_enabled,
        slow_mode_seconds=slow_mode_seconds,
        followers_only_minutes=followers_only_minutes,
        subscribers_only=subscribers_only,
        emoji_only=emoji_only,
        blocked_words=_clean_words(blocked_words),
        provider=settings.STREAMING_PROVIDER,
    )
    if stream.provider == LiveStream.Provider.IVS:
        authorized = visibility_needs_playback_token(visibility)
        if authorized and playback_signing_key_error() is not None:
            raise playback_auth_unconfigured_error(stream_id=stream.pk)
        channel = ivs.channel_create(
            name=f"fanfare-{stream.pk}",
            record=record,
            authorized=authorized,
            tags={"fanfare:stream": str(stream.pk)},
        )
        stream.ivs_channel_arn, stream.ivs_stream_key_arn = channel.arn, channel.stream_key_arn
        stream.ingest_endpoint, stream.playback_url, stream.stream_key = (
            channel.ingest_endpoint, channel.playback_url, channel.stream_key,
        )  # fmt: skip
        try:
            with transaction.atomic():
                stream.save(force_insert=True)
        except Exception:
            ivs.channel_delete(channel_arn=channel.arn)
            raise
        return stream
    stream.stream_key = stream_key_generate()
    stream.playback_url = f"/api/v1/streams/{stream.pk}/media/index.m3u8"
    stream.save(force_insert=True)
    return stream


@transaction.atomic
def stream_update(*, stream: LiveStream, by: Any, changes: Mapping[str, Any]) -> LiveStream:
    """Change the owner's settings. An ended stream is 409 ``stream_ended``; the time and the
    recording flag only before it starts (409 ``stream_started``).

    IVS: a visibility change between open (public, unlisted) and private (followers, subscribers)
    turns the channel's playback authorization on or off (``update_channel``, the last step before
    commit, so an AWS failure changes nothing: 503 ``ivs_unavailable``). IVS does not update a live
    channel, so that change is 409 ``visibility_locked_while_live`` while live; making a stream
    private without a signing key is 503 ``playback_auth_unconfigured``.
    """
    stream = LiveStream.objects.select_for_update().get(pk=stream.pk)
    if stream.owner_id != by.pk:
        raise PermissionDeniedError("Only the streamer changes the stream.", code="not_owner")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ApplicationError(f"Cannot change {', '.join(sorted(unknown))}.", code="not_editable")
    if stream.status == Status.ENDED:
        raise ConflictError("The stream has ended.", code="stream_ended")
    if stream.status != Status.SCHEDULED and BEFORE_START_ONLY & set(changes):
        raise ConflictError("The time and recording are set before the stream starts.", code="stream_started")
    if "scheduled_at" in changes:
        _check_scheduled_at(changes["scheduled_at"])
    values = dict(changes)
    if "tags" in values:
        values["tags"] = _clean_tags(values["tags"])
    if "blocked_words" in values:
        values["blocked_words"] = _clean_words(values["blocked_words"])
    if "title" in values and not str(values["title"]).strip():
        raise ApplicationError("A stream needs a title.", code="title_required")
    authorized = _channel_authorization_change(stream=stream, visibility=values.get("visibility"))
    for field, value in values.items():
        setattr(stream, field, value)
    if "scheduled_at" in values:
        # A new time: reminders go out again before it.
        StreamReminder.objects.filter(stream=stream).update(reminded_at=None)
    stream.save()
    if authorized is not None:
        ivs.channel_set_authorized(channel_arn=stream.ivs_channel_arn, authorized=authorized)
        logger.info("stream %s: IVS playback authorization %s", stream.pk, "on" if authorized else "off")
    return stream


def _channel_authorization_change(*, stream: LiveStream, visibility: str | None) -> bool | None:
    """The IVS channel's new ``authorized`` flag when ``visibility`` changes it, else None."""
    if stream.provider != LiveStream.Provider.IVS or not stream.ivs_channel_arn or visibility is None:
        return None
    authorized = visibility_needs_playback_token(visibility)
    if authorized == visibility_needs_playback_token(stream.visibility):
        return None
    if stream.status == Status.LIVE:
        raise ConflictError(
            "IVS does not change a live channel's playback protection; change this after the stream.",
            code="visibility_locked_while_live",
        )
    if authorized and playback_signing_key_error() is not None:
        raise playback_auth_unconfigured_error(stream_id=stream.pk)
    return authorized


def _transition(*, stream_id: Any, to: str, **fields: Any) -> LiveStream:
    """Move the stream to ``to`` under a row lock, or 409 ``invalid_transition``."""
    stream = LiveStream.objects.select_for_update().select_related("owner").filter(pk=stream_id).first()
    if stream is None:
        raise NotFoundError("No such stream.")
    if to not in TRANSITIONS[stream.status]:
        raise ConflictError(
            f"A {stream.status} stream cannot become {to}.",
            code="invalid_transition",
            extra={"status": stream.status, "to": to},
        )
    stream.status = to
    for field, value in fields.items():
        setattr(stream, field, value)
    try:
        with transaction.atomic():
            stream.save()
    except IntegrityError:
        raise ConflictError("You already have a live stream; end it first.", code="already_live") from None
    return stream


@transaction.atomic
def stream_go_live(*, stream_id: Any, at: dt.datetime | None = None) -> LiveStream:
    """``scheduled → live`` (the ingest or IVS says publishing started). Followers (and reminder
    holders who can see it) are notified after commit, each once."""
    stream = _transition(stream_id=stream_id, to=Status.LIVE, started_at=at or timezone.now())
    from streaming import tasks

    side_effects.enqueue_task(tasks.stream_live_fanout_task, str(stream.pk))
    _broadcast_status(stream)
    logger.info("stream %s is live", stream.pk)
    return stream


def _broadcast_status(stream: LiveStream) -> None:
    """Tell the stream's chat sockets (the control room, players) its new status, after commit:
    ``{"type": "status", "status", "started_at", "ended_at", "ended_reason"}``."""
    from streaming.selectors.chat import event_text
    from streaming.selectors.streams import status_event_fields
    from streaming.services.chat import room_group

    text = event_text(
        "status",
        **status_event_fields(
            stream_id=stream.pk,
            status=stream.status,
            started_at=stream.started_at,
            ended_at=stream.ended_at,
            ended_reason=stream.ended_reason,
        ),
    )
    side_effects.group_send(room_group(stream.pk), {"type": "chat.event", "text": text})
    # Rooms in processes that do not share this channel layer see the change too: see
    # streaming.consumers._Room._status_check.


def _end(*, stream_id: Any, to_from: set[str], by: Any = None, reason: str = "", at: dt.datetime | None = None):
    current = LiveStream.objects.filter(pk=stream_id).values_list("status", flat=True).first()
    if current is not None and current not in to_from:
        raise ConflictError(
            f"A {current} stream cannot be ended this way.",
            code="invalid_transition",
            extra={"status": current, "to": Status.ENDED},
        )
    stream = _transition(
        stream_id=stream_id, to=Status.ENDED, ended_at=at or timezone.now(), ended_by=by, ended_reason=reason
    )
    side_effects.after_commit(_on_stream_ended, stream)
    _broadcast_status(stream)
    logger.info("stream %s ended", stream.pk)
    return stream


def _on_stream_ended(stream: LiveStream) -> None:
    """After an end commits: the summary of the stream's viewers and chat (peak, average, total
    watch time, unique viewers, messages: ``metrics.stream_summary_finalize``), then the
    recording (when on)."""
    from streaming.services import chat, metrics

    # Every chat socket of the stream learns it at once (before: only from chat_disabled on the
    # next message it sent). The sockets stay open: the chat can still be read.
    chat.broadcast(stream.pk, "stream_ended", ended_at=stream.ended_at.isoformat() if stream.ended_at else None)
    metrics.stream_summary_finalize(stream=stream)
    if stream.record and stream.started_at is not None:
        from streaming import tasks

        tasks.stream_recording_build_task.delay(str(stream.pk))


@transaction.atomic
def stream_mark_ended(*, stream_id: Any, at: dt.datetime | None = None, reason: str = "") -> LiveStream:
    """``live → ended`` reported by the ingest, IVS or the reconciler."""
    return _end(stream_id=stream_id, to_from={Status.LIVE}, reason=reason, at=at)


@transaction.atomic
def stream_end(*, stream: LiveStream, by: Any) -> LiveStream:
    """The owner ends their live stream (409 ``invalid_transition`` unless live)."""
    if stream.owner_id != by.pk:
        raise PermissionDeniedError("Only the streamer ends the stream.", code="not_owner")
    return _end(stream_id=stream.pk, to_from={Status.LIVE}, by=by, reason="ended by the streamer")


@transaction.atomic
def stream_cancel(*, stream: LiveStream, by: Any) -> LiveStream:
    """The owner cancels a scheduled stream (``scheduled → ended``; 409 once it started)."""
    if stream.owner_id != by.pk:
        raise PermissionDeniedError("Only the streamer cancels the stream.", code="not_owner")
    return _end(stream_id=stream.pk, to_from={Status.SCHEDULED}, by=by, reason="cancelled")


@transaction.atomic
def stream_end_by_moderator(*, stream: LiveStream, moderator: Any, reason: str) -> LiveStream:
    """A platform moderator ends a live stream with a reason; the streamer is told why."""
    if not moderator.has_perm("streaming.moderate_streams"):
        raise PermissionDeniedError("Only moderators end other people's streams.", code="not_moderator")
    if not reason.strip():
        raise ApplicationError("Give a reason.", code="reason_required")
    stream = _end(stream_id=stream.pk, to_from={Status.LIVE}, by=moderator, reason=reason.strip())
    notify(
        recipient=stream.owner,
        kind="stream_ended",
        target=stream,
        data={"reason": reason.strip()[:500]},
        idempotency_key=f"stream_ended:{stream.pk}",
    )
    return stream


@transaction.atomic
def streams_of_owner_stop(*, user: Any, reason: str) -> dict[str, list[str]]:
    """A suspension or ban: the owner's live stream ends and their scheduled streams are cancelled
    (``ended``, final: lifting the suspension does not bring them back), each with ``reason``.
    Returns ``{"ended": [ids], "cancelled": [ids]}``; running it again finds nothing more."""
    ended, cancelled = [], []
    for stream_id, status in LiveStream.objects.filter(
        owner=user, status__in=[Status.LIVE, Status.SCHEDULED]
    ).values_list("pk", "status"):
        if status == Status.LIVE:
            _end(stream_id=stream_id, to_from={Status.LIVE}, reason=reason)
            ended.append(str(stream_id))
        else:
            _end(stream_id=stream_id, to_from={Status.SCHEDULED}, reason=reason)
            cancelled.append(str(stream_id))
    return {"ended": ended, "cancelled": cancelled}


@transaction.atomic
def stream_key_rotate(*, stream: LiveStream, by: Any) -> LiveStream:
    """A new stream key; the old one is refused from now on (the ingest also drops a session still
    publishing with it within seconds). IVS: the channel's key is deleted and another created."""
    stream = LiveStream.objects.select_for_update().get(pk=stream.pk)
    if stream.owner_id != by.pk:
        raise PermissionDeniedError("Only the streamer rotates the key.", code="not_owner")
    if stream.status == Status.ENDED:
        raise ConflictError("The stream has ended.", code="stream_ended")
    if stream.provider == LiveStream.Provider.IVS:
        stream.ivs_stream_key_arn, stream.stream_key = ivs.stream_key_replace(
            channel_arn=stream.ivs_channel_arn, old_key_arn=stream.ivs_stream_key_arn
        )
    else:
        stream.stream_key = stream_key_generate()
    stream.save(update_fields=["stream_key", "ivs_stream_key_arn", "updated_at"])
    logger.info("stream %s: key rotated", stream.pk)
    return stream


@transaction.atomic
def stream_delete(*, stream: LiveStream, by: Any) -> None:
    """Delete the stream (ending it first when live); its IVS channel goes after commit."""
    if stream.owner_id != by.pk and not by.has_perm("streaming.moderate_streams"):
        raise PermissionDeniedError("Only the streamer deletes the stream.", code="not_owner")
    stream_purge(stream=stream, by=by)


def stream_purge(*, stream: LiveStream, by: Any = None) -> None:
    """End (when live or scheduled) and soft-delete the stream; after commit, delete its IVS channel
    and the local ingest's files."""
    stream = LiveStream.objects.select_for_update().get(pk=stream.pk)
    if stream.status != Status.ENDED:
        _end(stream_id=stream.pk, to_from={Status.LIVE, Status.SCHEDULED}, by=by, reason="deleted")
        stream.refresh_from_db()
    if stream.ivs_channel_arn:
        side_effects.after_commit(ivs.channel_delete, channel_arn=stream.ivs_channel_arn)
    side_effects.after_commit(shutil.rmtree, stream_dir(stream.pk), ignore_errors=True)
    stream.soft_delete()


def streams_purge_of_owner(*, user: Any) -> int:
    """Account deletion: end and delete every stream of ``user`` (IVS channels too)."""
    count = 0
    for stream in LiveStream.objects.filter(owner=user):
        with transaction.atomic():
            stream_purge(stream=stream, by=None)
        count += 1
    return count


# --- reminders and the go-live fan-out --------------------------------------------------------


def stream_reminder_set(*, stream: LiveStream, user: Any) -> StreamReminder:
    """``user`` wants a reminder before the scheduled stream starts (409 ``stream_not_scheduled``)."""
    if stream.status != Status.SCHEDULED:
        raise ConflictError("Only a scheduled stream can be followed for a reminder.", code="stream_not_scheduled")
    reminder, _ = StreamReminder.objects.get_or_create(stream=stream, user=user)
    return reminder


def stream_reminder_unset(*, stream: LiveStream, user: Any) -> int:
    return StreamReminder.objects.filter(stream=stream, user=user).delete()[0]


def stream_reminders_of_user_delete(*, user: Any) -> int:
    """Account purge: delete ``user``'s stream reminders (sent or not), on anyone's streams.
    Returns the rows deleted; running it again deletes nothing."""
    return StreamReminder.objects.filter(user=user).delete()[0]


def stream_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Notify reminder holders of streams starting within STREAMING_REMINDER_LEAD_MINUTES (each once)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(minutes=settings.STREAMING_REMINDER_LEAD_MINUTES)
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                StreamReminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("stream__owner", "user")
                .filter(
                    reminded_at__isnull=True,
                    stream__status=Status.SCHEDULED,
                    stream__deleted_at__isnull=True,
                    stream__scheduled_at__lte=horizon,
                )
                .order_by("pk")[:500]
            )
            if not batch:
                return sent
            for reminder in batch:
                stream = reminder.stream
                if stream_visible_to(stream=stream, user=reminder.user):
                    notify(
                        recipient=reminder.user, kind="stream_reminder", actor=stream.owner, target=stream,
                        data={"stream_id": str(stream.pk), "scheduled_at": stream.scheduled_at.isoformat()},
                        idempotency_key=f"stream_reminder:{stream.pk}:{stream.scheduled_at.isoformat()}",
                    )  # fmt: skip
                    sent += 1
            StreamReminder.objects.filter(pk__in=[reminder.pk for reminder in batch]).update(reminded_at=now)


def stream_live_fanout_batch(*, stream_id: Any, after: str | None = None, batch_size: int | None = None) -> str | None:
    """Notify the next batch of the audience that the stream went live; returns the cursor to go on
    from, or None when done. The audience: the streamer's followers (pages by follower id), then
    reminder holders who do not follow, if they may see the stream. Each notification has the
    idempotency key ``stream_live:<id>``: a retried batch or a second run notifies nobody twice.
    """
    stream = LiveStream.objects.select_related("owner").filter(pk=stream_id).first()
    if stream is None or stream.status != Status.LIVE:
        return None
    size = batch_size or settings.STREAMING_LIVE_FANOUT_BATCH
    phase, _, last = (after or "followers:").partition(":")
    followers = follower_ids(followee=stream.owner_id)
    if phase == "followers":
        page = followers.order_by("follower_id")
        if last:
            page = page.filter(follower_id__gt=last)
        ids = list(page[:size])
        cursor = f"followers:{ids[-1]}" if len(ids) == size else "reminders:"
    else:
        if stream.visibility == LiveStream.Visibility.FOLLOWERS:
            return None
        page = (
            StreamReminder.objects.filter(stream=stream)
            .exclude(user_id__in=followers)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        if last:
            page = page.filter(user_id__gt=last)
        ids = list(page[:size])
        cursor = f"reminders:{ids[-1]}" if len(ids) == size else None
    # A private IVS channel plays only with a token made for one viewer when the stream is fetched:
    # its bare URL would not play, so the notification has none (clients fetch the stream).
    data = {
        "stream_id": str(stream.pk),
        "playback_url": None if stream_needs_playback_token(stream=stream) else stream.playback_url,
    }
    for user in get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"):
        if stream.visibility == LiveStream.Visibility.SUBSCRIBERS and not viewer_has_tier(
            viewer=user, creator_id=stream.owner_id, minimum_tier=stream.minimum_tier
        ):
            continue
        notify(
            recipient=user, kind="stream_live", actor=stream.owner, target=stream, data=data,
            idempotency_key=f"stream_live:{stream.pk}",
        )  # fmt: skip
    return cursor
