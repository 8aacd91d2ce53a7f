"""Reads of live streams: who may see which stream, listings, where its files are, and who
moderates its chat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from billing.selectors import members_only_error, membership_tier_of, viewer_has_tier
from core.compiled import SAMPLES, CompiledQuery
from core.errors import NotFoundError, PermissionDeniedError
from core.pagination import CompiledPages, PageSource
from social.selectors.relations import is_following
from streaming.models import ChannelModerator, LiveStream, StreamReminder

MODERATE_PERMISSION = "streaming.moderate_streams"

# Listings show these to everyone; followers-only and subscribers-only streams are listed to
# those who may watch them only on the streamer's own list (stream_list_of_owner).
LISTED = [LiveStream.Visibility.PUBLIC]


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def is_stream_moderator(*, user: Any) -> bool:
    return _signed_in(user) and user.has_perm("streaming.moderate_streams")


def stream_owner_hidden(*, stream: LiveStream, user: Any) -> bool:
    """Whether the stream's owner is suspended or banned now and ``user`` is neither the owner
    nor a moderator: then the stream, its playback and its chat are 404 for ``user``."""
    from accounts.selectors import account_hidden_from

    return account_hidden_from(owner=stream.owner, viewer=user)


def stream_visible_to(*, stream: LiveStream, user: Any) -> bool:
    """Whether ``user`` (None or anonymous too) may see and watch ``stream``."""
    if _signed_in(user) and (stream.owner_id == user.pk or user.has_perm("streaming.view_livestream")):
        return True
    if stream_owner_hidden(stream=stream, user=user):
        return False
    if stream.visibility in {LiveStream.Visibility.PUBLIC, LiveStream.Visibility.UNLISTED}:
        return True
    if stream.visibility == LiveStream.Visibility.FOLLOWERS:
        return _signed_in(user) and is_following(follower=user, followee=stream.owner_id)
    return viewer_has_tier(viewer=user, creator_id=stream.owner_id, minimum_tier=stream.minimum_tier)


def stream_get_for_viewer(*, stream_id: Any, user: Any) -> LiveStream:
    """The stream if ``user`` may see it. 404 ``not_found`` (deleted or unknown, or its owner
    suspended or banned now), 403 ``followers_only`` or ``members_only``."""
    stream = LiveStream.objects.select_related("owner").filter(pk=stream_id).first()
    if stream is None:
        raise NotFoundError("No such stream.")
    if not (_signed_in(user) and user.has_perm("streaming.view_livestream")) and stream_owner_hidden(
        stream=stream, user=user
    ):
        raise NotFoundError("No such stream.")
    if not stream_visible_to(stream=stream, user=user):
        raise stream_hidden_error(stream=stream)
    return stream


def stream_hidden_error(*, stream: LiveStream) -> PermissionDeniedError:
    """Why a viewer may not see ``stream``: 403 ``followers_only`` or ``members_only`` (with the tier needed)."""
    if stream.visibility == LiveStream.Visibility.FOLLOWERS:
        return PermissionDeniedError("This stream is for the streamer's followers.", code="followers_only")
    return members_only_error(creator_id=stream.owner_id, minimum_tier=stream.minimum_tier)


def stream_get_owned(*, stream_id: Any, owner: Any) -> LiveStream:
    """The caller's own stream: 404 for anyone else's (it is not theirs to change)."""
    stream = LiveStream.objects.select_related("owner").filter(pk=stream_id, owner_id=owner.pk).first()
    if stream is None:
        raise NotFoundError("No such stream.")
    return stream


def _owner_in_good_standing(now=None) -> Q:
    from accounts.selectors import users_in_good_standing_q

    return users_in_good_standing_q(prefix="owner__", now=now)


def stream_list_live() -> QuerySet[LiveStream]:
    """Public streams live now, newest first (owners suspended or banned now left out)."""
    return (
        LiveStream.objects.filter(status=LiveStream.Status.LIVE, visibility__in=LISTED)
        .filter(_owner_in_good_standing())
        .select_related("owner")
    )


def stream_list_upcoming() -> QuerySet[LiveStream]:
    """Public scheduled streams with a time, soonest first (the cursor pages by id: newest first)."""
    return (
        LiveStream.objects.filter(status=LiveStream.Status.SCHEDULED, scheduled_at__isnull=False, visibility__in=LISTED)
        .filter(_owner_in_good_standing())
        .select_related("owner")
    )


def _listed_pages_build(status: str, *, now) -> QuerySet[LiveStream]:
    streams = LiveStream.objects.filter(status=status)
    if status == LiveStream.Status.SCHEDULED:
        streams = streams.filter(scheduled_at__isnull=False)
    return streams.filter(visibility__in=LISTED).filter(_owner_in_good_standing(now)).select_related("owner")


# Prepared on the connection (core.compiled.prepared_cursor): one plan suits every page.
_LISTED_PAGES = CompiledPages(_listed_pages_build, model=LiveStream, samples=SAMPLES, prepare=lambda shape, names: True)


def stream_page_live() -> PageSource:
    """:func:`stream_list_live` as a page source for the cursor paginator (``core.pagination``):
    the same rows, read by a statement compiled once, not a queryset compiled per request."""
    return _LISTED_PAGES.source(LiveStream.Status.LIVE, now=timezone.now())


def stream_page_upcoming() -> PageSource:
    """:func:`stream_list_upcoming` as a page source (see :func:`stream_page_live`)."""
    return _LISTED_PAGES.source(LiveStream.Status.SCHEDULED, now=timezone.now())


def stream_list_of_owner(*, owner_id: Any, viewer: Any) -> QuerySet[LiveStream]:
    """One streamer's streams that ``viewer`` may see in a listing (unlisted ones only to the owner)."""
    streams = LiveStream.objects.filter(owner_id=owner_id).select_related("owner")
    if _signed_in(viewer) and viewer.pk == owner_id:
        return streams
    streams = streams.filter(_owner_in_good_standing())
    allowed = Q(visibility=LiveStream.Visibility.PUBLIC)
    if _signed_in(viewer) and is_following(follower=viewer, followee=owner_id):
        allowed |= Q(visibility=LiveStream.Visibility.FOLLOWERS)
    tier = membership_tier_of(viewer=viewer, creator_id=owner_id)
    if tier is not None:
        allowed |= Q(visibility=LiveStream.Visibility.SUBSCRIBERS) & (
            Q(minimum_tier__isnull=True) | Q(minimum_tier__lte=tier.position)
        )
    return streams.filter(allowed)


def stream_list_mine(*, owner: Any) -> QuerySet[LiveStream]:
    return LiveStream.objects.filter(owner_id=owner.pk).select_related("owner")


def stream_by_key(*, stream_key: str) -> LiveStream | None:
    """The (not deleted) stream whose key is ``stream_key``; for the ingest only."""
    if not stream_key:
        return None
    return LiveStream.objects.select_related("owner").filter(stream_key=stream_key).first()


def stream_has_reminder(*, stream: LiveStream, user: Any) -> bool:
    return _signed_in(user) and StreamReminder.objects.filter(stream=stream, user_id=user.pk).exists()


def stream_dir(stream_id: Any) -> Path:
    """Where the local ingest writes the stream's HLS (``STREAM_ROOT/<id>/``)."""
    return Path(settings.STREAM_ROOT) / str(stream_id)


def stream_file(stream_id: Any, name: str) -> Path | None:
    """The HLS file ``name`` of the stream, or None if it escapes the directory or is missing."""
    base = stream_dir(stream_id).resolve()
    path = (base / name).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def stream_ingest_url(*, stream: LiveStream) -> str:
    """Where the owner points OBS: the server URL (the key goes in its own field)."""
    if stream.provider == LiveStream.Provider.IVS:
        return f"rtmps://{stream.ingest_endpoint}:443/app/" if stream.ingest_endpoint else ""
    if settings.STREAMING_RTMP_PUBLIC_URL:
        return settings.STREAMING_RTMP_PUBLIC_URL.rstrip("/") + "/"
    return f"rtmp://{settings.STREAMING_RTMP_HOST}:{settings.STREAMING_RTMP_PORT}/live/"


# stream_get's statement, compiled once: every chat socket's admission trip reads its stream.
STREAM_WITH_OWNER = CompiledQuery(
    lambda pk: LiveStream.objects.select_related("owner").filter(pk=pk)[:1], "pk", samples={"pk": SAMPLES["position"]}
)


def stream_pk(stream_id: Any):
    """``stream_id`` as a stream's primary key, or None when it cannot be one."""
    try:
        return LiveStream._meta.pk.to_python(stream_id)
    except (ValidationError, ValueError):
        return None


def stream_get(*, stream_id: Any) -> LiveStream:
    """The stream (not deleted), or 404 ``not_found``."""
    pk = stream_pk(stream_id)
    stream = None if pk is None else next(STREAM_WITH_OWNER(pk=pk), None)
    if stream is None:
        raise NotFoundError("No such stream.")
    return stream


def can_view_stream(*, stream: LiveStream, user: Any) -> bool:
    """Whether ``user`` may watch ``stream`` and read its chat: the one rule, :func:`stream_visible_to`."""
    return stream_visible_to(stream=stream, user=user)


def is_channel_moderator(*, streamer_id: Any, user: Any) -> bool:
    """Whether ``user`` was appointed by ``streamer_id`` to moderate their chats."""
    if not _signed_in(user):
        return False
    return ChannelModerator.objects.filter(streamer_id=streamer_id, moderator_id=user.pk).exists()


def is_platform_moderator(*, user: Any) -> bool:
    return _signed_in(user) and user.has_perm(MODERATE_PERMISSION)


def chat_role(*, stream: LiveStream, user: Any) -> str:
    """``owner``, ``platform_moderator``, ``moderator`` (the streamer's), ``viewer`` or ``anonymous``."""
    if not _signed_in(user):
        return "anonymous"
    if user.pk == stream.owner_id:
        return "owner"
    if is_platform_moderator(user=user):
        return "platform_moderator"
    if is_channel_moderator(streamer_id=stream.owner_id, user=user):
        return "moderator"
    return "viewer"


MODERATING_ROLES = frozenset({"owner", "platform_moderator", "moderator"})


def channel_moderators(*, streamer: Any):
    """The streamer's chat moderators, newest first."""
    return ChannelModerator.objects.filter(streamer=streamer).select_related("moderator").order_by("-id")


def stream_status_event(*, stream_id: Any) -> tuple[str | None, str | None]:
    """``(status, text of the chat protocol's status event)`` of a stream, (None, None) if gone."""
    from streaming.selectors.chat import event_text

    stream = LiveStream.objects.filter(pk=stream_id).values("status", "started_at", "ended_at", "ended_reason").first()
    if stream is None:
        return None, None
    return stream["status"], event_text("status", **status_event_fields(stream_id=stream_id, **stream))


def status_event_fields(*, stream_id: Any, status: str, started_at, ended_at, ended_reason: str) -> dict[str, Any]:
    """The fields of the chat protocol's ``status`` event; times in ISO 8601 like every other event."""
    return {
        "stream_id": str(stream_id),
        "status": status,
        "started_at": started_at.isoformat() if started_at else None,
        "ended_at": ended_at.isoformat() if ended_at else None,
        "ended_reason": ended_reason,
    }
