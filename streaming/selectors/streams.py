"""Reads of live streams: which stream, who may see it, who moderates its chat."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from core.errors import NotFoundError
from streaming.models import ChannelModerator, LiveStream

MODERATE_PERMISSION = "streaming.moderate_streams"


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def stream_get(*, stream_id: Any) -> LiveStream:
    """The stream (not deleted), or 404 ``not_found``."""
    try:
        return LiveStream.objects.select_related("owner").get(pk=stream_id)
    except (LiveStream.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFoundError("No such stream.") from exc


def can_view_stream(*, stream: LiveStream, user: Any) -> bool:
    """Whether ``user`` (None or anonymous for a signed-out viewer) may watch ``stream`` and read its chat.

    Public and unlisted: anyone. Followers: the owner, platform moderators and followers.
    Subscribers: the owner, platform moderators and subscribers (until billing: the owner only,
    through content's subscriber selector).
    """
    if stream.visibility in (LiveStream.Visibility.PUBLIC, LiveStream.Visibility.UNLISTED):
        return True
    if not _signed_in(user):
        return False
    if user.pk == stream.owner_id or user.has_perm(MODERATE_PERMISSION):
        return True
    if stream.visibility == LiveStream.Visibility.FOLLOWERS:
        from social.selectors.relations import is_following

        return is_following(follower=user, followee=stream.owner_id)
    from content.selectors.videos import viewer_is_subscriber

    return viewer_is_subscriber(viewer=user, creator_id=stream.owner_id, minimum_tier=None)


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
