"""Reads of comments: a thread page, one comment's sub-thread, replies, in a bounded number of queries.

Threads are stored as ``root`` + ``path`` (see ``social.models.Comment``): all of a thread's
replies are one index range on ``(root, path)`` and ordering by ``path`` is depth-first order.

Display depth: depth is unlimited in the data; the API shows replies nested down to
:data:`DISPLAY_DEPTH` levels. A reply deeper than that is shown at ``display_depth ==
DISPLAY_DEPTH`` right after its parent (depth-first order keeps it there), and every reply
carries ``reply_to``, the handle of the author it answers, so a flattened reply still says whom
it answers.

What a viewer sees of a comment (``state``): ``visible``; ``deleted`` (by its author or the
content's owner) and ``removed`` (by a moderator) show as tombstones without author or text, and
only while they still have live replies; ``hidden``: the author and the viewer have a block
between them, or the author is suspended or banned now (a tombstone too; by direct link such a
comment is 404 ``comment_not_found`` for everyone but its author and moderators).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window, prefetch_related_objects
from django.db.models.functions import RowNumber

from content import relations
from core.errors import NotFoundError
from social.models import Comment, Like
from social.selectors.targets import content_kind

DISPLAY_DEPTH = 3
REPLIES_PER_THREAD = 10
SUBTHREAD_REPLIES = 100


@dataclass
class ViewerContext:
    """What rendering comments for one viewer needs, read once per request."""

    liked_ids: set = field(default_factory=set)
    blocked_user_ids: set = field(default_factory=set)
    hidden_author_ids: set = field(default_factory=set)  # suspended or banned now (accounts.standing)


def _shown() -> Q:
    """Live comments, and tombstones that still hold live replies."""
    return Q(deleted_at__isnull=True, moderation_status=Comment.ModerationStatus.VISIBLE) | Q(replies_count__gt=0)


def top_level_comments(*, content: Any) -> QuerySet[Comment]:
    """The top-level comments of a post or video, newest first (paginate by ``-id``)."""
    kind = content_kind(content)
    return (
        Comment.all_objects.filter(**{kind: content}, depth=0).filter(_shown()).select_related("author").order_by("-id")
    )


def thread_replies(*, root_ids: list[uuid.UUID], per_thread: int = REPLIES_PER_THREAD) -> dict[Any, list[Comment]]:
    """The first ``per_thread`` replies (depth-first) of each thread in ``root_ids``, in one query.

    Each reply carries ``thread_total``: how many replies its thread has in all (shown or not).
    """
    if not root_ids:
        return {}
    replies = (
        Comment.all_objects.filter(root_id__in=root_ids, depth__gt=0)
        .select_related("author", "parent__author")
        .annotate(
            position=Window(RowNumber(), partition_by=[F("root_id")], order_by=F("path").asc()),
            thread_total=Window(Count("id"), partition_by=[F("root_id")]),
        )
        .filter(position__lte=per_thread)
        .order_by("root_id", "path")
    )
    by_root: dict[Any, list[Comment]] = {root_id: [] for root_id in root_ids}
    for reply in replies:
        by_root[reply.root_id].append(reply)
    return by_root


def comment_get(*, comment_id: uuid.UUID, live: bool = False) -> Comment:
    """One comment (deleted ones too, unless ``live``); ``comment_not_found`` (404) otherwise.
    The caller checks that the viewer may see its content (``targets.content_of_comment``)."""
    comment = Comment.all_objects.select_related("author", "parent__author").filter(pk=comment_id).first()
    if comment is None:
        raise NotFoundError("No such comment.", code="comment_not_found")
    if live and (comment.deleted_at is not None or comment.moderation_status != Comment.ModerationStatus.VISIBLE):
        raise NotFoundError("No such comment.", code="comment_not_found")
    return comment


def descendants(*, comment: Comment) -> QuerySet[Comment]:
    """Every reply below ``comment`` at any depth, depth-first (``path`` order)."""
    return (
        Comment.all_objects.filter(root_id=comment.root_id, path__startswith=f"{comment.path}.")
        .select_related("author", "parent__author")
        .order_by("path")
    )


def viewer_context(*, viewer: Any, comments: list[Comment]) -> ViewerContext:
    """The viewer's likes among ``comments`` and the users they have blocks with: two queries
    (none for a visitor; the blocks are shared with content's visibility check of the same
    request through ``content.relations.blocked_ids``, which keeps them on the user object).
    Also loads every comment's mentions in one query."""
    from accounts.selectors import account_hidden_from

    prefetch_related_objects(comments, "mentions")
    # The authors came with the comments (select_related): no query.
    hidden = {c.author_id for c in comments if c.author_id and account_hidden_from(owner=c.author, viewer=viewer)}
    if viewer is None or not viewer.is_authenticated or not comments:
        return ViewerContext(hidden_author_ids=hidden)
    liked = set(
        Like.objects.filter(user=viewer, comment_id__in=[c.pk for c in comments]).values_list("comment_id", flat=True)
    )
    return ViewerContext(
        liked_ids=liked, blocked_user_ids=set(relations.blocked_ids(user=viewer)), hidden_author_ids=hidden
    )


def comment_hidden_check(*, comment: Comment, viewer: Any) -> None:
    """404 ``comment_not_found`` when the comment's author is suspended or banned now and
    ``viewer`` is neither the author nor a moderator (a direct link to it)."""
    from accounts.selectors import account_hidden_from

    if comment.author_id and account_hidden_from(owner=comment.author, viewer=viewer):
        raise NotFoundError("No such comment.", code="comment_not_found")


def comment_state(*, comment: Comment, context: ViewerContext) -> str:
    if comment.deleted_at is not None:
        return "deleted"
    if comment.moderation_status != Comment.ModerationStatus.VISIBLE:
        return "removed"
    if comment.author_id in context.blocked_user_ids or comment.author_id in context.hidden_author_ids:
        return "hidden"
    return "visible"


def comment_revisions(*, comment: Comment) -> list:
    return list(comment.revisions.order_by("id"))
