"""Reads of likes and saves for one user: their saves list, what they liked or saved."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from social.models import Like, Save


def saves_of_user(*, user: Any) -> QuerySet[Save]:
    """``user``'s saves of posts and videos that still exist, newest first (paginate by ``-id``),
    but for those of accounts suspended or banned now (back when that ends). Private: only ever
    called with the signed-in user."""
    from accounts.selectors import out_of_standing_ids

    live = Q(post__isnull=False, post__deleted_at__isnull=True) | Q(video__isnull=False, video__deleted_at__isnull=True)
    hidden = Q(post__author_id__in=out_of_standing_ids()) | Q(video__owner_id__in=out_of_standing_ids())
    return (
        Save.objects.filter(user=user)
        .filter(live)
        .exclude(hidden)
        .select_related("post__author", "video__owner")
        .order_by("-id")
    )


def has_liked(*, user: Any, kind: str, target_id: Any) -> bool:
    return bool(user and user.is_authenticated) and Like.objects.filter(user=user, **{f"{kind}_id": target_id}).exists()


def has_saved(*, user: Any, kind: str, target_id: Any) -> bool:
    return bool(user and user.is_authenticated) and Save.objects.filter(user=user, **{f"{kind}_id": target_id}).exists()
