"""Reads of the graph for the API: follower and following lists, requests, blocks, mutes."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import users_with_handle
from content import relations as content_relations
from core.errors import NotFoundError, PermissionDeniedError
from social.models import Block, Follow, FollowRequest, Mute
from social.selectors.relations import is_following


def _active_with_handle(handle: str) -> User | None:
    return next(iter(users_with_handle(handle=handle).filter(is_active=True).order_by()[:1]), None)


def user_by_handle(*, handle: str) -> User:
    """The active user ``handle`` (with or without ``@``, any case), blocks or not (for the
    graph's own actions: you can unblock whoever you blocked); 404 ``user_not_found``."""
    user = _active_with_handle(handle.strip().lstrip("@"))
    if user is None:
        raise NotFoundError("No such user.", code="user_not_found")
    return user


def user_for_viewer(*, handle: str, viewer: User | None) -> User:
    """The active user ``handle`` (with or without ``@``, any case); 404 ``user_not_found``
    also when a block stands between them and ``viewer``."""
    user = _active_with_handle(handle.strip().lstrip("@"))
    if user is None or content_relations.is_blocked_between(user=viewer, other_id=user.pk):
        raise NotFoundError("No such user.", code="user_not_found")
    return user


def _check_lists_visible(*, user: User, viewer: User | None) -> None:
    """A private account's lists are for itself and its followers: 403 ``private_account``."""
    if not user.is_private:
        return
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in and (viewer.pk == user.pk or is_following(follower=viewer, followee=user)):
        return
    raise PermissionDeniedError("This account is private.", code="private_account")


def followers_of(*, user: User, viewer: User | None) -> QuerySet[Follow]:
    """Who follows ``user``, newest follow first (paginate on ``-id``)."""
    _check_lists_visible(user=user, viewer=viewer)
    return Follow.objects.filter(followee=user).select_related("follower").order_by("-id")


def following_of(*, user: User, viewer: User | None) -> QuerySet[Follow]:
    """Whom ``user`` follows, newest follow first."""
    _check_lists_visible(user=user, viewer=viewer)
    return Follow.objects.filter(follower=user).select_related("followee").order_by("-id")


def follow_requests_incoming(*, user: User) -> QuerySet[FollowRequest]:
    """Pending requests to follow ``user``, newest first."""
    return FollowRequest.objects.filter(target=user).select_related("requester").order_by("-id")


def follow_requests_pending_count(*, user: User) -> int:
    return FollowRequest.objects.filter(target=user).count()


def follow_requests_outgoing(*, user: User) -> QuerySet[FollowRequest]:
    return FollowRequest.objects.filter(requester=user).select_related("target").order_by("-id")


def blocks_of(*, user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-id")


def mutes_of(*, user: User) -> QuerySet[Mute]:
    return Mute.objects.filter(muter=user).select_related("muted").order_by("-id")
