"""Writes on comments: create (top-level or reply), edit with history, delete, moderate.

Every function takes keyword-only arguments, runs in a transaction and raises ``core.errors``
with a stable code. ``comments_count`` of the post or video and ``replies_count`` of the parent
count *live* comments (not deleted, not removed by moderation); they change with ``F()`` in the
same transaction as the comment. Notifications go through ``notifications.services.notify``,
once per action and recipient (a reply notifies the parent's author with ``reply`` and the
content's owner with ``comment``; users mentioned get ``mention``), never to the actor and
never across a block or from a muted user (notify's relationship provider drops those).
A comment that stops being live (deleted, removed by a moderator) withdraws its own
contribution to those notifications (``_withdraw_notifications``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone

from accounts.models import User
from accounts.selectors import posting_restriction_error, restriction_error, standing_error
from content.services.post_text import mentions_parse, text_length
from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from core.ids import uuid7
from notifications.services import notify, unnotify_events
from social.models import Comment, CommentRevision
from social.selectors.relations import block_exists, is_blocked_between
from social.selectors.targets import content_kind, content_owner, content_owner_id
from social.services.counters import counter_add

COMMENT_MAX_LENGTH = 2000


def check_can_interact(*, user: User, owner_ids: list[Any]) -> None:
    """``account_suspended``/``account_banned`` for a user in bad standing, ``blocked`` (403) when
    there is a block either way between ``user`` and any of ``owner_ids``."""
    error = standing_error(user)
    if error is not None:
        raise error
    for owner_id in dict.fromkeys(owner_ids):
        if owner_id != user.pk and is_blocked_between(a=user, b=owner_id):
            raise PermissionDeniedError("You cannot interact with this user.", code="blocked")


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ValidationError("Write something.", code="blank")})
    if len(text) > COMMENT_MAX_LENGTH * 8 or text_length(text) > COMMENT_MAX_LENGTH:  # cheap check first
        raise ValidationError(
            {"text": ValidationError(f"At most {COMMENT_MAX_LENGTH} characters.", code="text_too_long")}
        )
    return text


def _resolve_mentions(*, text: str, author: User) -> list[User]:
    """The users ``text`` mentions who exist, are active and have no block with ``author``."""
    handles = mentions_parse(text)
    if not handles:
        return []
    users = (
        User.objects.filter(is_active=True)
        .annotate(handle_lower=Lower("handle"))
        .filter(handle_lower__in=handles)
        .filter(~block_exists(user=author, other_ref="id"))
    )
    found = {user.handle_lower: user for user in users}
    return [found[handle] for handle in handles if handle in found]


def _notify_data(comment: Comment) -> dict:
    data = {"comment_id": str(comment.pk)}
    if comment.post_id:
        data["post_id"] = str(comment.post_id)
    else:
        data["video_id"] = str(comment.video_id)
    return data


def _notify_mentions(*, comment: Comment, users: list[User], skip: set) -> None:
    for user in users:
        if user.pk in skip:
            continue
        notify(
            recipient=user,
            kind="mention",
            actor=comment.author,
            target=comment,
            data=_notify_data(comment),
            idempotency_key=f"mention:{comment.pk}:{user.pk}",
        )


def _live_keys(*, prefix: str, comments: QuerySet[Comment]) -> QuerySet:
    """``<prefix>:<id>`` of each live comment in ``comments``: the idempotency keys they were
    notified with, as a subquery (read when used, so after notify's group locks)."""
    live = comments.filter(moderation_status=Comment.ModerationStatus.VISIBLE)  # objects: not deleted
    return live.annotate(key=Concat(Value(f"{prefix}:"), Cast("id", CharField()))).values_list("key", flat=True)


def _withdraw_notifications(*, comment: Comment) -> None:
    """``comment`` stopped being live (deleted or removed): withdraw what it notified. Its author
    leaves the very ``comment``/``reply`` notification its key led to, unless another live
    comment of theirs led to the same one (then that comment keeps them named); its ``mention``
    notifications (one per comment and user) go. See docs/social.md, Notifications."""
    others = Comment.objects.filter(author_id=comment.author_id).exclude(pk=comment.pk)
    on_content = others.filter(post_id=comment.post_id) if comment.post_id else others.filter(video_id=comment.video_id)
    # reply, then comment: the order comment_create notifies in, so the two take the groups'
    # advisory locks in the same order and cannot deadlock.
    if comment.parent_id:
        unnotify_events(
            actor=comment.author,
            keys=[f"reply:{comment.pk}"],
            still_there=_live_keys(prefix="reply", comments=others.filter(parent_id=comment.parent_id)),
        )
    unnotify_events(
        actor=comment.author,
        keys=[f"comment:{comment.pk}"],
        still_there=_live_keys(prefix="comment", comments=on_content),
    )
    unnotify_events(actor=comment.author, key_prefix=f"mention:{comment.pk}:")


def _live_changed(*, comment: Comment, delta: int) -> None:
    """A comment became live (+1) or stopped being live (-1): its content's and parent's counts."""
    from content.models import Post, Video

    if comment.post_id:
        counter_add(model=Post, pk=comment.post_id, field="comments_count", delta=delta)
    else:
        counter_add(model=Video, pk=comment.video_id, field="comments_count", delta=delta)
    if comment.parent_id:
        counter_add(model=Comment, pk=comment.parent_id, field="replies_count", delta=delta)


def comment_create(*, author: User, content: Any, text: str, parent: Comment | None = None) -> Comment:
    """Comment on ``content`` (a post or video the caller checked ``author`` may see), or reply to
    ``parent`` on the same content.

    Raises ``comments_disabled`` (403) when the owner turned comments off, ``blocked`` (403) for a
    block either way with the content's owner or the parent's author, ``comment_not_found`` (404)
    for a deleted or removed parent, ``parent_mismatch`` (400) for a parent on other content,
    ``blank``/``text_too_long`` (400, field ``text``).
    """
    kind = content_kind(content)
    owner_ids = [content_owner_id(content)]
    if parent is not None:
        if getattr(parent, f"{kind}_id") != content.pk:
            raise ApplicationError("The parent comment is on other content.", code="parent_mismatch")
        if parent.deleted_at is not None or parent.moderation_status != Comment.ModerationStatus.VISIBLE:
            raise NotFoundError("No such comment.", code="comment_not_found")
        owner_ids.append(parent.author_id)
    check_can_interact(user=author, owner_ids=owner_ids)
    restriction = restriction_error(author)
    if restriction is not None:
        raise restriction
    if not content.comments_enabled:
        raise PermissionDeniedError("Comments are turned off here.", code="comments_disabled")
    text = _check_text(text)
    comment_id = uuid7()
    with transaction.atomic():
        comment = Comment.objects.create(
            id=comment_id,
            author=author,
            parent=parent,
            root_id=parent.root_id if parent is not None else comment_id,
            path=f"{parent.path}.{comment_id.hex}" if parent is not None else comment_id.hex,
            depth=parent.depth + 1 if parent is not None else 0,
            text=text,
            **{kind: content},
        )
        mentions = _resolve_mentions(text=text, author=author)
        if mentions:
            comment.mentions.set(mentions)
        _live_changed(comment=comment, delta=1)
        notified = {author.pk}
        data = _notify_data(comment)
        if parent is not None:
            notify(
                recipient=parent.author,
                kind="reply",
                actor=author,
                target=parent,
                data=data,
                idempotency_key=f"reply:{comment.pk}",
            )
            notified.add(parent.author_id)
        owner = content_owner(content)
        if owner.pk not in notified:
            notify(
                recipient=owner,
                kind="comment",
                actor=author,
                target=content,
                data=data,
                idempotency_key=f"comment:{comment.pk}",
            )
            notified.add(owner.pk)
        _notify_mentions(comment=comment, users=mentions, skip=notified)
    return comment


def comment_edit(*, comment: Comment, by: User, text: str) -> Comment:
    """Change the text of ``by``'s own live comment; the previous text is kept as a revision.
    Users newly mentioned are notified. ``not_author`` (403), ``comment_removed`` (403)."""
    if comment.author_id != by.pk:
        raise PermissionDeniedError("Only the author can edit this comment.", code="not_author")
    error = posting_restriction_error(by)
    if error is not None:
        raise error
    text = _check_text(text)
    with transaction.atomic():
        locked = Comment.all_objects.select_for_update().select_related("author").get(pk=comment.pk)
        if locked.deleted_at is not None:
            raise NotFoundError("No such comment.", code="comment_not_found")
        if locked.moderation_status != Comment.ModerationStatus.VISIBLE:
            raise PermissionDeniedError("This comment was removed by a moderator.", code="comment_removed")
        if text == locked.text:
            return locked
        CommentRevision.objects.create(comment=locked, text=locked.text)
        before = set(locked.mentions.values_list("pk", flat=True))
        locked.text = text
        locked.edited_at = timezone.now()
        locked.save(update_fields=["text", "edited_at", "updated_at"])
        mentions = _resolve_mentions(text=text, author=by)
        locked.mentions.set(mentions)
        _notify_mentions(comment=locked, users=mentions, skip=before | {by.pk})
    return locked


def comment_delete(*, comment: Comment, by: User, content: Any) -> None:
    """Soft-delete ``comment``: by its author, or by the owner of the ``content`` it is on
    (``not_allowed``, 403, for anyone else). Replies keep their place under a deleted comment.
    A live comment's notifications are withdrawn. Deleting twice changes nothing."""
    if by.pk not in (comment.author_id, content_owner_id(content)):
        raise PermissionDeniedError(
            "Only the author or the content's owner can delete this comment.", code="not_allowed"
        )
    with transaction.atomic():
        locked = Comment.all_objects.select_for_update().get(pk=comment.pk)
        if locked.deleted_at is not None:
            return
        locked.soft_delete()
        if locked.moderation_status == Comment.ModerationStatus.VISIBLE:
            _live_changed(comment=locked, delta=-1)
            _withdraw_notifications(comment=locked)


def comment_moderate(*, comment: Comment, status: str, reason: str, by: User) -> Comment:
    """Set the moderation status (``visible`` or ``removed``) with a reason, by a moderator
    (``social.moderate_comments``). Removing takes the comment out of the counts and withdraws its
    notifications; restoring puts it back in the counts (it does not notify again)."""
    if not by.has_perm("social.moderate_comments"):
        raise PermissionDeniedError("Only moderators can moderate comments.", code="not_moderator")
    if status not in Comment.ModerationStatus.values:
        raise ApplicationError("Unknown moderation status.", code="invalid_moderation_status")
    reason = (reason or "").strip()
    if status == Comment.ModerationStatus.REMOVED and not reason:
        raise ApplicationError("Give a reason.", code="reason_required")
    with transaction.atomic():
        locked = Comment.all_objects.select_for_update().get(pk=comment.pk)
        before = locked.moderation_status
        locked.moderation_status = status
        locked.moderation_reason = reason
        locked.moderated_by = by
        locked.moderated_at = timezone.now()
        locked.save(
            update_fields=["moderation_status", "moderation_reason", "moderated_by", "moderated_at", "updated_at"]
        )
        if before != status and locked.deleted_at is None:
            _live_changed(comment=locked, delta=1 if status == Comment.ModerationStatus.VISIBLE else -1)
            if status == Comment.ModerationStatus.REMOVED:
                _withdraw_notifications(comment=locked)
    return locked


@transaction.atomic
def comments_purge_of_author(*, user: User) -> int:
    """The account purge: every comment ``user`` wrote loses its text, mentions and history and
    is deleted (live ones leave the counts first). The rows stay, so other people's replies keep
    their place in the thread. Returns how many comments were scrubbed."""
    comments = list(Comment.all_objects.select_for_update().filter(author=user))
    now = timezone.now()
    for comment in comments:
        if comment.deleted_at is None and comment.moderation_status == Comment.ModerationStatus.VISIBLE:
            _live_changed(comment=comment, delta=-1)
    ids = [comment.pk for comment in comments]
    CommentRevision.objects.filter(comment_id__in=ids).delete()
    Comment.mentions.through.objects.filter(comment_id__in=ids).delete()
    Comment.all_objects.filter(pk__in=ids).update(text="", updated_at=now)
    Comment.all_objects.filter(pk__in=ids, deleted_at__isnull=True).update(deleted_at=now)
    return len(ids)
