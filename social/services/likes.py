"""Likes on posts, videos and comments, and saves of posts and videos.

Like/unlike and save/unsave are idempotent: repeating one changes nothing and answers the same
state. One row per user and target is the database's rule (partial unique constraints); two
racing requests both go through ``get_or_create``, whose insert runs in a savepoint, so the
loser of the race reads the winner's row instead of failing. Counters change with ``F()`` in
the same transaction, only when a row was really inserted or deleted, so they stay exact
under concurrent requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts.models import User
from core.errors import NotFoundError
from notifications.services import notify, unnotify
from social.models import Comment, Like, Save
from social.selectors.targets import content_kind, content_owner, content_owner_id
from social.services.comments import check_can_interact
from social.services.counters import counter_add, counter_read


@dataclass(frozen=True)
class LikeState:
    liked: bool
    likes_count: int


@dataclass(frozen=True)
class SaveState:
    saved: bool


def _like_target(target: Any) -> tuple[str, Any]:
    """(column on Like, model) of ``target``."""
    if isinstance(target, Comment):
        return "comment", Comment
    return content_kind(target), type(target)


def _check_comment_live(comment: Comment) -> None:
    if comment.deleted_at is not None or comment.moderation_status != Comment.ModerationStatus.VISIBLE:
        raise NotFoundError("No such comment.", code="comment_not_found")


def _notify_data(target: Any, kind: str) -> dict:
    data = {f"{kind}_id": str(target.pk)}
    if kind == "comment":
        data["post_id" if target.post_id else "video_id"] = str(target.post_id or target.video_id)
    return data


def like(*, user: User, target: Any, content: Any | None = None) -> LikeState:
    """``user`` likes ``target`` (a post or video they may see, or a live comment on ``content``
    they may see). ``blocked`` (403) across a block with the owner (for a comment: its author or
    the content's owner). The owner hears of it once: liking again after an unlike does not
    notify again (the notification's idempotency key is per user and target)."""
    kind, model = _like_target(target)
    if kind == "comment":
        _check_comment_live(target)
        owner_ids = [target.author_id] + ([content_owner_id(content)] if content is not None else [])
        recipient = target.author
    else:
        owner_ids = [content_owner_id(target)]
        recipient = content_owner(target)
    check_can_interact(user=user, owner_ids=owner_ids)
    with transaction.atomic():
        _like, created = Like.objects.get_or_create(user=user, **{kind: target})
        if created:
            counter_add(model=model, pk=target.pk, field="likes_count", delta=1)
            notify(
                recipient=recipient,
                kind="like",
                actor=user,
                target=target,
                data=_notify_data(target, kind),
                idempotency_key=f"like:{user.pk}:{target.pk}",
            )
    return LikeState(liked=True, likes_count=counter_read(model=model, pk=target.pk, field="likes_count"))


def unlike(*, user: User, target: Any) -> LikeState:
    """Take back ``user``'s like of ``target``; without one, nothing changes. Allowed across a
    block (it only removes the user's own like). The like leaves the owner's notification."""
    kind, model = _like_target(target)
    with transaction.atomic():
        deleted, _ = Like.objects.filter(user=user, **{kind: target}).delete()
        if deleted:
            counter_add(model=model, pk=target.pk, field="likes_count", delta=-1)
            recipient = target.author if kind == "comment" else content_owner(target)
            unnotify(recipient=recipient, kind="like", actor=user, target=target)
    return LikeState(liked=False, likes_count=counter_read(model=model, pk=target.pk, field="likes_count"))


def save(*, user: User, content: Any) -> SaveState:
    """Bookmark a post or video ``user`` may see; ``blocked`` (403) across a block with its owner."""
    kind = content_kind(content)
    check_can_interact(user=user, owner_ids=[content_owner_id(content)])
    with transaction.atomic():
        _save, created = Save.objects.get_or_create(user=user, **{kind: content})
        if created:
            counter_add(model=type(content), pk=content.pk, field="saves_count", delta=1)
    return SaveState(saved=True)


def unsave(*, user: User, content: Any) -> SaveState:
    """Remove ``user``'s bookmark of ``content``; without one, nothing changes."""
    kind = content_kind(content)
    with transaction.atomic():
        deleted, _ = Save.objects.filter(user=user, **{kind: content}).delete()
        if deleted:
            counter_add(model=type(content), pk=content.pk, field="saves_count", delta=-1)
    return SaveState(saved=False)


@transaction.atomic
def likes_and_saves_purge_of_user(*, user: User) -> tuple[int, int]:
    """The account purge: delete every like and save of ``user``, each target's counter down by
    one (set-based: one UPDATE per target kind). Returns (likes, saves) removed."""
    from django.db.models import Count, F, OuterRef, Subquery, Value
    from django.db.models.functions import Greatest

    from content.models import Post, Video

    likes = Like.objects.filter(user=user)
    saves = Save.objects.filter(user=user)
    counts = (likes.count(), saves.count())
    for rows, column, model, field in (
        (likes, "post", Post, "likes_count"),
        (likes, "video", Video, "likes_count"),
        (likes, "comment", Comment, "likes_count"),
        (saves, "post", Post, "saves_count"),
        (saves, "video", Video, "saves_count"),
    ):
        mine = rows.filter(**{column: OuterRef("pk")}).values(column).annotate(n=Count("pk")).values("n")
        model._base_manager.filter(pk__in=rows.values(column)).update(
            **{field: Greatest(F(field) - Subquery(mine), Value(0))}
        )
    likes.delete()
    saves.delete()
    return counts
