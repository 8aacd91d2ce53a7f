"""Reads for the creator studio: follower figures and comments waiting for the creator's reply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from social.models import Comment, Follow


def followers_count(*, user: Any) -> int:
    return Follow.objects.filter(followee=user).count()


def new_followers_count(*, user: Any, since: dt.datetime, until: dt.datetime) -> int:
    """Follows of ``user`` made in ``[since, until)`` that still stand (an unfollow removes the row)."""
    return Follow.objects.filter(followee=user, created_at__gte=since, created_at__lt=until).count()


def comments_awaiting_reply(*, user: Any, since: dt.datetime) -> QuerySet[Comment]:
    """Top-level comments by others on ``user``'s posts and videos since ``since``, visible, with
    no reply from ``user`` in their thread; newest first, with the content they are on."""
    replied = Comment.objects.filter(root=OuterRef("pk"), author=user)
    return (
        Comment.objects.filter(
            Q(post__author=user) | Q(video__owner=user),
            parent__isnull=True,
            created_at__gte=since,
            moderation_status=Comment.ModerationStatus.VISIBLE,
        )
        .exclude(author=user)
        .exclude(Exists(replied))
        .select_related("author", "post", "video")
        .order_by("-created_at")
    )
