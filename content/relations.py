"""How content asks the social graph about users, without importing it.

``social`` depends on ``content``, so content never imports social. Instead the social app
installs a :class:`RelationsProvider` in its ``AppConfig.ready`` (like the notifications app's
``relationship_provider_set``). Until one is installed nobody follows or blocks anybody: only
authors see their followers-only posts and nothing is hidden for a block.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.db.models import Q


class RelationsProvider(Protocol):
    def is_following(self, *, follower: Any, followee: Any) -> bool: ...

    def blocked_ids(self, *, user: Any) -> set:
        """The ids of the users with a block either way with ``user``."""

    def follows_q(self, *, user: Any, ref: str) -> Q:
        """A ``Q`` true where ``user`` follows the user in column ``ref`` (e.g. ``author_id``)."""

    def not_blocked_q(self, *, user: Any, ref: str) -> Q:
        """A ``Q`` true where there is no block either way between ``user`` and column ``ref``."""

    def blockers_among(self, *, user: Any, candidates: Iterable[Any]) -> set:
        """The ids among ``candidates`` that block ``user`` or that ``user`` blocks."""


_provider: RelationsProvider | None = None


def relations_provider_set(*, provider: RelationsProvider | None) -> None:
    """Install the social graph's answers (the social app does, in ``ready``)."""
    global _provider
    _provider = provider


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_following(*, follower: Any, followee_id: Any) -> bool:
    if _provider is None or not _signed_in(follower):
        return False
    return _provider.is_following(follower=follower, followee=followee_id)


_CACHE_ATTR = "_content_relations_blocked_ids"


def blocked_ids(*, user: Any) -> set:
    """The ids of the users with a block either way with ``user``: one query per user object
    (so per request), kept on the object; :func:`forget` drops it after the graph changes."""
    if _provider is None or not _signed_in(user):
        return set()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _provider.blocked_ids(user=user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def blocked_ids_prime(*, user: Any, ids: set) -> None:
    """Keep ``ids`` as ``user``'s :func:`blocked_ids` (a caller that read them already)."""
    setattr(user, _CACHE_ATTR, set(ids))


def forget(*users: Any) -> None:
    """Drop what :func:`blocked_ids` kept on these user objects (after a block or an unblock)."""
    for user in users:
        if hasattr(user, _CACHE_ATTR):
            delattr(user, _CACHE_ATTR)


def is_blocked_between(*, user: Any, other_id: Any) -> bool:
    """Whether a block either way stands between ``user`` (a visitor: never) and ``other_id``."""
    return other_id in blocked_ids(user=user)


def follows_q(*, user: Any, ref: str) -> Q:
    """Where ``user`` follows column ``ref``; nowhere without a provider."""
    if _provider is None or not _signed_in(user):
        return Q(pk__in=[])
    return _provider.follows_q(user=user, ref=ref)


def not_blocked_q(*, user: Any, ref: str) -> Q:
    """Where no block stands between ``user`` and column ``ref``; everywhere for visitors."""
    if _provider is None or not _signed_in(user):
        return Q()
    return _provider.not_blocked_q(user=user, ref=ref)


def blockers_among(*, user: Any, candidates: Iterable[Any]) -> set:
    candidates = list(candidates)
    if _provider is None or not candidates:
        return set()
    return _provider.blockers_among(user=user, candidates=candidates)
