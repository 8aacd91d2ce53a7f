"""Reads of the social graph that every other part of social (and other apps, through hooks)
asks: does A follow B, is there a block between A and B, whom does A mute."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from social.models import Block, Follow, Mute


def _pk(user_or_id: Any) -> Any:
    return getattr(user_or_id, "pk", user_or_id)


def is_following(*, follower: Any, followee: Any) -> bool:
    return Follow.objects.filter(follower_id=_pk(follower), followee_id=_pk(followee)).exists()


def following_since(*, follower: Any, followee: Any):
    """When ``follower`` started following ``followee``, or None if they do not."""
    return (
        Follow.objects.filter(follower_id=_pk(follower), followee_id=_pk(followee))
        .values_list("created_at", flat=True)
        .first()
    )


def is_blocked_between(*, a: Any, b: Any) -> bool:
    """Whether either user blocks the other."""
    a_id, b_id = _pk(a), _pk(b)
    return Block.objects.filter(Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)).exists()


def is_muted(*, muter: Any, muted: Any) -> bool:
    return Mute.objects.filter(muter_id=_pk(muter), muted_id=_pk(muted)).exists()


def blocked_user_ids_q(*, user: Any) -> QuerySet:
    """A subquery of the ids of users with a block either way with ``user`` (for ``__in``)."""
    user_id = _pk(user)
    blocked = Block.objects.filter(blocker_id=user_id).values("blocked_id")
    blockers = Block.objects.filter(blocked_id=user_id).values("blocker_id")
    return blocked.union(blockers, all=True)


def block_exists(*, user: Any, other_ref: str = "author_id") -> Exists:
    """``Exists(...)`` for a block either way between ``user`` and the row's ``other_ref`` column
    (e.g. ``author_id``), to filter querysets: ``.filter(~block_exists(user=viewer))``."""
    user_id = _pk(user)
    other = OuterRef(other_ref)
    either_way = Q(blocker_id=user_id, blocked_id=other) | Q(blocker_id=other, blocked_id=user_id)
    return Exists(Block.objects.filter(either_way))


def relationship(*, recipient_id: uuid.UUID, actor_id: uuid.UUID):
    """The notifications app's relationship provider (installed in ``SocialConfig.ready``)."""
    from notifications.services import Relationship

    follows = set(
        Follow.objects.filter(
            Q(follower_id=recipient_id, followee_id=actor_id) | Q(follower_id=actor_id, followee_id=recipient_id)
        ).values_list("follower_id", flat=True)
    )
    return Relationship(
        recipient_follows_actor=recipient_id in follows,
        actor_follows_recipient=actor_id in follows,
        blocked=is_blocked_between(a=recipient_id, b=actor_id),
        muted=is_muted(muter=recipient_id, muted=actor_id),
    )


def follower_ids(*, followee: Any) -> QuerySet:
    """The ids of ``followee``'s followers (for fan-outs that page through them by id)."""
    return Follow.objects.filter(followee_id=_pk(followee)).values_list("follower_id", flat=True)


def blocked_by(*, viewer: Any, user: Any) -> bool:
    """Whether ``user`` blocks ``viewer`` (accounts hides ``user``'s profile from ``viewer``)."""
    return Block.objects.filter(blocker_id=_pk(user), blocked_id=_pk(viewer)).exists()


class ContentRelations:
    """The social graph's answers to content (``content.relations``), installed in ``ready``."""

    @staticmethod
    def is_following(*, follower: Any, followee: Any) -> bool:
        return is_following(follower=follower, followee=followee)

    @staticmethod
    def blocked_ids(*, user: Any) -> set:
        return set(blocked_user_ids_q(user=user).values_list("blocked_id", flat=True))

    @staticmethod
    def follows_q(*, user: Any, ref: str) -> Q:
        return Q(Exists(Follow.objects.filter(follower_id=_pk(user), followee_id=OuterRef(ref))))

    @staticmethod
    def not_blocked_q(*, user: Any, ref: str) -> Q:
        return ~Q(block_exists(user=user, other_ref=ref))

    @staticmethod
    def blockers_among(*, user: Any, candidates: list) -> set:
        user_id = _pk(user)
        rows = Block.objects.filter(
            Q(blocker_id=user_id, blocked_id__in=candidates) | Q(blocked_id=user_id, blocker_id__in=candidates)
        ).values_list("blocker_id", "blocked_id")
        return {blocked if blocker == user_id else blocker for blocker, blocked in rows}
