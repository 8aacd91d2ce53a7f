"""Writes on posts: create, edit, delete, repost, quote, vote, moderate.

Every function takes keyword-only arguments, runs in a transaction and raises ``core.errors``
(or Django's ``ValidationError`` keyed by field, rendered as a 400 naming the field) with a
stable code. Counters (reposts, quotes, hashtag usage, poll votes) change with ``F()`` only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from accounts.selectors import restriction_error
from content import relations
from content.models import Hashtag, Poll, PollOption, PollVote, Post, PostImage, PostRevision
from content.models.poll import POLL_MAX_OPTIONS, POLL_MIN_OPTIONS
from content.selectors.posts import can_view
from content.services.post_images import ImageUpload, StoredImage, images_check, images_discard, images_store
from content.services.post_text import hashtags_parse, mentions_parse, text_length
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.side_effects import after_commit
from notifications.services import notify, unnotify

POLL_OPTION_MAX_LENGTH = 100
POLL_MIN_DURATION = dt.timedelta(minutes=5)
POLL_MAX_DURATION = dt.timedelta(days=30)


@dataclass
class PollSpec:
    """A poll as the interfaces describe it."""

    options: list[str]
    ends_at: dt.datetime
    multiple_choice: bool = False


@dataclass
class PostContent:
    """What a post says; shared by create, quote and edit."""

    text: str = ""
    visibility: str = Post.Visibility.PUBLIC
    content_warning: str = ""
    sensitive: bool = False
    images: list[ImageUpload] = field(default_factory=list)
    poll: PollSpec | None = None
    # Members-only: the lowest tier position of the author's tiers that may read it (None: no gate).
    minimum_tier: int | None = None


def _field_error(name: str, message: str, code: str) -> ValidationError:
    return ValidationError({name: ValidationError(message, code=code)})


def _check_text(text: str, *, required: bool) -> str:
    text = text.strip()
    limit = settings.POST_MAX_CHARACTERS
    if text_length(text) > limit:
        raise _field_error("text", f"A post is at most {limit} characters.", "text_too_long")
    if required and not text:
        raise _field_error("text", "Write something, or add images or a poll.", "empty_post")
    return text


def _check_poll(poll: PollSpec) -> list[str]:
    labels = [label.strip() for label in poll.options]
    if not POLL_MIN_OPTIONS <= len(labels) <= POLL_MAX_OPTIONS:
        raise _field_error(
            "poll_options", f"A poll has {POLL_MIN_OPTIONS} to {POLL_MAX_OPTIONS} options.", "poll_option_count"
        )
    if any(not label or len(label) > POLL_OPTION_MAX_LENGTH for label in labels):
        raise _field_error("poll_options", f"Each option is 1 to {POLL_OPTION_MAX_LENGTH} characters.", "poll_option")
    if len({label.casefold() for label in labels}) != len(labels):
        raise _field_error("poll_options", "Options must differ.", "poll_option_duplicate")
    duration = poll.ends_at - timezone.now()
    if not POLL_MIN_DURATION <= duration <= POLL_MAX_DURATION:
        raise _field_error("poll_ends_at", "A poll ends between 5 minutes and 30 days from now.", "poll_ends_at")
    return labels


def _resolve_mentions(text: str, *, author: User) -> list[User]:
    """The users ``text`` mentions. A user with a block either way with ``author`` stays plain
    text: not resolved, so not linked and never notified."""
    handles = mentions_parse(text)
    if not handles:
        return []
    users = User.objects.filter(is_active=True).annotate(handle_lower=Lower("handle")).filter(handle_lower__in=handles)
    found = {user.handle_lower: user for user in users}
    blocking = relations.blockers_among(user=author, candidates=[user.pk for user in found.values()])
    return [found[handle] for handle in handles if handle in found and found[handle].pk not in blocking]


def _notify_mentions(*, post: Post, users: list[User]) -> None:
    """Tell each user ``post`` mentions (who may read it, and is not its author) with ``mention``,
    as comments and chat do. Once per post and user: an edit notifies only newly mentioned users."""
    for user in users:
        if user.pk == post.author_id or not can_view(post=post, user=user):
            continue
        notify(
            recipient=user,
            kind="mention",
            actor=post.author,
            target=post,
            data={"post_id": str(post.pk)},
            idempotency_key=f"mention:post:{post.pk}:{user.pk}",
        )


def _hashtags_count(*, added: list[str], removed: list[str]) -> None:
    if added:
        Hashtag.objects.bulk_create([Hashtag(name=name) for name in added], ignore_conflicts=True)
        Hashtag.objects.filter(name__in=added).update(usage_count=F("usage_count") + 1)
    if removed:
        Hashtag.objects.filter(name__in=removed, usage_count__gt=0).update(usage_count=F("usage_count") - 1)


def _image_rows(*, post: Post, stored: list[StoredImage]) -> list[PostImage]:
    return PostImage.objects.bulk_create(
        [
            PostImage(
                post=post,
                position=position,
                full=image.full,
                feed=image.feed,
                width=image.width,
                height=image.height,
                alt_text=image.alt_text,
            )
            for position, image in enumerate(stored)
        ]
    )


def _image_snapshot(images: list[PostImage]) -> list[dict]:
    return [
        {
            "full": image.full.name,
            "feed": image.feed.name,
            "width": image.width,
            "height": image.height,
            "alt_text": image.alt_text,
        }
        for image in images
    ]


def _create(
    *, author: User, kind: str, content: PostContent, original: Post | None, idempotency_key: str | None
) -> Post:
    restriction = restriction_error(author)
    if restriction is not None:
        raise restriction
    require_body = kind == Post.Kind.POST and not content.images and content.poll is None
    text = _check_text(content.text, required=require_body or kind == Post.Kind.QUOTE)
    images_check(images=content.images)
    labels = _check_poll(content.poll) if content.poll is not None else None
    if content.visibility not in Post.Visibility.values:
        raise _field_error("visibility", "Unknown visibility.", "invalid_choice")
    if content.minimum_tier is not None and not 1 <= content.minimum_tier <= 100:
        raise _field_error("minimum_tier", "A tier position is from 1 to 100.", "minimum_tier_invalid")
    post_id = Post._meta.pk.default()
    stored = images_store(post_id=post_id, images=content.images) if content.images else []
    try:
        with transaction.atomic():
            post = Post.objects.create(
                id=post_id,
                author=author,
                kind=kind,
                original=original,
                text=text,
                visibility=content.visibility,
                content_warning=content.content_warning.strip(),
                sensitive=content.sensitive,
                minimum_tier=content.minimum_tier,
                hashtags=hashtags_parse(text),
                idempotency_key=idempotency_key,
            )
            mentions = _resolve_mentions(text, author=author)
            if mentions:
                post.mentions.set(mentions)
                _notify_mentions(post=post, users=mentions)
            images = _image_rows(post=post, stored=stored)
            if labels is not None:
                poll = Poll.objects.create(
                    post=post, multiple_choice=content.poll.multiple_choice, ends_at=content.poll.ends_at
                )
                PollOption.objects.bulk_create(
                    [PollOption(poll=poll, position=i, label=label) for i, label in enumerate(labels)]
                )
            PostRevision.objects.create(
                post=post,
                number=1,
                text=text,
                content_warning=post.content_warning,
                images=_image_snapshot(images),
                edited_by=author,
            )
            _hashtags_count(added=post.hashtags, removed=[])
            if kind != Post.Kind.REPOST:
                _posts_count(user_id=author.pk, delta=1)
            if original is not None:
                counter = "quotes_count" if kind == Post.Kind.QUOTE else "reposts_count"
                Post.all_objects.filter(pk=original.pk).update(**{counter: F(counter) + 1})
    except BaseException:
        images_discard(images=stored)
        raise
    return post


def _existing_for_key(*, author: User, idempotency_key: str | None) -> Post | None:
    if not idempotency_key:
        return None
    return Post.all_objects.filter(author=author, idempotency_key=idempotency_key).first()


def _check_key(idempotency_key: str | None) -> str | None:
    if idempotency_key is None:
        return None
    key = idempotency_key.strip()
    if not key or len(key) > 100:
        raise ApplicationError("An Idempotency-Key is 1 to 100 characters.", code="invalid_idempotency_key")
    return key


def post_create(*, author: User, content: PostContent, idempotency_key: str | None = None) -> tuple[Post, bool]:
    """Create a post: (post, created).

    With an ``idempotency_key`` already used by ``author``, nothing is created and the earlier
    post is returned with ``created=False`` (also when two identical requests race: the unique
    constraint on ``(author, idempotency_key)`` decides). Raises ``text_too_long``, ``empty_post``,
    ``too_many_images``, poll field errors (400), ``request_too_large`` (413), ``unsupported_media`` (415).
    """
    return _create_idempotent(
        author=author, kind=Post.Kind.POST, content=content, original=None, idempotency_key=idempotency_key
    )


def _create_idempotent(
    *, author: User, kind: str, content: PostContent, original: Post | None, idempotency_key: str | None
) -> tuple[Post, bool]:
    key = _check_key(idempotency_key)
    existing = _existing_for_key(author=author, idempotency_key=key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _create(author=author, kind=kind, content=content, original=original, idempotency_key=key), True
    except IntegrityError:
        existing = _existing_for_key(author=author, idempotency_key=key)
        if existing is None:
            raise
        return existing, False


def _shareable_original(*, post: Post, user: User) -> Post:
    """The post a repost or quote points at: a repost's own original, which must be live and public."""
    target = post.original if post.kind == Post.Kind.REPOST else post
    if target is not None and relations.is_blocked_between(user=user, other_id=target.author_id):
        raise PermissionDeniedError("You cannot repost or quote this user's posts.", code="blocked")
    if target is None or not can_view(post=target, user=user):
        raise NotFoundError("This post is gone.", code="post_not_found")
    if (
        target.visibility != Post.Visibility.PUBLIC
        or target.minimum_tier is not None  # members-only posts stay with the members
        or target.moderation_status == Post.ModerationStatus.REMOVED
    ):
        raise PermissionDeniedError("Only public posts can be reposted or quoted.", code="not_shareable")
    return target


def post_repost(*, user: User, post: Post) -> Post:
    """Repost ``post`` (a repost of a repost reposts the original). One live repost per user per
    original: a second is ``already_reposted`` (409), also under a race (the partial unique constraint)."""
    original = _shareable_original(post=post, user=user)
    try:
        with transaction.atomic():
            repost, _created = _create_idempotent(
                author=user, kind=Post.Kind.REPOST, content=PostContent(), original=original, idempotency_key=None
            )
            # Once per user and post: reposting again after an undo does not notify again.
            notify(
                recipient=original.author,
                kind="repost",
                actor=user,
                target=original,
                data={"post_id": str(original.pk)},
                idempotency_key=f"repost:{user.pk}:{original.pk}",
            )
    except IntegrityError:
        raise ConflictError("You have reposted this post already.", code="already_reposted") from None
    return repost


@transaction.atomic
def post_unrepost(*, user: User, post: Post) -> None:
    """Undo ``user``'s repost of ``post`` (or of its original); ``not_reposted`` (404) when there is none."""
    original_id = post.original_id if post.kind == Post.Kind.REPOST else post.pk
    repost = (
        Post.objects.select_for_update().filter(author=user, kind=Post.Kind.REPOST, original_id=original_id).first()
    )
    if repost is None:
        raise NotFoundError("You have not reposted this post.", code="not_reposted")
    _soft_delete(post=repost)
    original = Post.all_objects.select_related("author").get(pk=original_id)
    unnotify(recipient=original.author, kind="repost", actor=user, target=original)


def post_quote(
    *, user: User, post: Post, content: PostContent, idempotency_key: str | None = None
) -> tuple[Post, bool]:
    """Quote ``post``: a new post with text (required) that embeds it. Only public posts can be quoted."""
    original = _shareable_original(post=post, user=user)
    with transaction.atomic():
        quote, created = _create_idempotent(
            author=user, kind=Post.Kind.QUOTE, content=content, original=original, idempotency_key=idempotency_key
        )
        if created:
            notify(
                recipient=original.author,
                kind="quote",
                actor=user,
                target=original,
                data={"post_id": str(original.pk), "quote_id": str(quote.pk)},
                idempotency_key=f"quote:{quote.pk}",
            )
    return quote, created


@transaction.atomic
def post_set_comments_enabled(*, post: Post, by: User, enabled: bool) -> Post:
    """Turn comments on ``post`` on or off; only its author may (``not_author``, 403)."""
    if post.author_id != by.pk:
        raise PermissionDeniedError("Only the author can turn comments on or off.", code="not_author")
    Post.all_objects.filter(pk=post.pk).update(comments_enabled=enabled, updated_at=timezone.now())
    post.comments_enabled = enabled
    return post


UNSET: Any = object()  # post_update: a field the request left out


def post_minimum_tier_check(*, author: User, minimum_tier: int | None) -> None:
    """A members-only setting ``author`` may choose: null (no gate), or the position of one of
    the author's own tiers that is not archived. 400 ``minimum_tier_invalid`` (not 1 to 100),
    ``minimum_tier_unknown`` (no tier of the author's there), ``minimum_tier_archived``."""
    from billing.selectors import tier_at_position

    if minimum_tier is None:
        return
    if not 1 <= minimum_tier <= 100:
        raise _field_error("minimum_tier", "A tier position is from 1 to 100.", "minimum_tier_invalid")
    tier = tier_at_position(creator_id=author.pk, position=minimum_tier)
    if tier is None:
        raise _field_error("minimum_tier", "You have no membership tier at this position.", "minimum_tier_unknown")
    if tier.archived_at is not None:
        raise _field_error(
            "minimum_tier", "This tier is archived: choose one of your current tiers.", "minimum_tier_archived"
        )


@transaction.atomic
def post_update(*, post: Post, by: User, minimum_tier: Any = UNSET, **content: Any) -> Post:
    """``PATCH`` of a post: its members-only setting (``minimum_tier``; changeable at any time,
    not an edit of the text: no revision, no edit window) and, when any of ``content``
    (``post_edit``'s text, content_warning, sensitive, images) is given, an edit. All or nothing.
    Raises ``not_author`` (403), ``repost_not_editable`` (400), the tier rules
    (``post_minimum_tier_check``) and ``post_edit``'s."""
    if post.author_id != by.pk:
        raise PermissionDeniedError("Only the author can edit a post.", code="not_author")
    if post.kind == Post.Kind.REPOST:
        raise ApplicationError("A repost has nothing to edit.", code="repost_not_editable")
    if minimum_tier is not UNSET:
        post_minimum_tier_check(author=by, minimum_tier=minimum_tier)
        Post.objects.filter(pk=post.pk).update(minimum_tier=minimum_tier, updated_at=timezone.now())
        post.minimum_tier = minimum_tier
    if any(value is not None for value in content.values()):
        post = post_edit(post=post, by=by, **content)
    return post


def post_edit(
    *,
    post: Post,
    by: User,
    text: str | None = None,
    content_warning: str | None = None,
    sensitive: bool | None = None,
    images: list[ImageUpload] | None = None,
) -> Post:
    """Change a post's text, content warning, sensitive flag or images (``None``: unchanged;
    ``images=[]`` removes them) within ``POST_EDIT_WINDOW_MINUTES`` of its creation.

    Each edit adds a ``PostRevision``; earlier versions and their image files are kept.
    Raises ``not_author`` (403), ``repost_not_editable`` (400), ``edit_window_closed`` (409) and
    the create rules.
    """
    if post.author_id != by.pk:
        raise PermissionDeniedError("Only the author can edit a post.", code="not_author")
    if post.kind == Post.Kind.REPOST:
        raise ApplicationError("A repost has nothing to edit.", code="repost_not_editable")
    window = dt.timedelta(minutes=settings.POST_EDIT_WINDOW_MINUTES)
    if timezone.now() > post.created_at + window:
        raise ConflictError(
            f"Posts can be edited for {settings.POST_EDIT_WINDOW_MINUTES} minutes.", code="edit_window_closed"
        )
    stored = images_store(post_id=post.pk, images=images) if images else []
    try:
        with transaction.atomic():
            locked = Post.objects.select_for_update().get(pk=post.pk)
            current_images = list(locked.images.filter(detached_at__isnull=True).order_by("position"))
            has_poll = Poll.objects.filter(post=locked).exists()
            new_text = locked.text if text is None else text
            keeps_images = bool(current_images) if images is None else bool(images)
            required = locked.kind == Post.Kind.QUOTE or not (keeps_images or has_poll)
            locked.text = _check_text(new_text, required=required)
            if content_warning is not None:
                locked.content_warning = content_warning.strip()
            if sensitive is not None:
                locked.sensitive = sensitive
            old_tags = list(locked.hashtags)
            locked.hashtags = hashtags_parse(locked.text)
            locked.edited_at = timezone.now()
            locked.save()
            mentions = _resolve_mentions(locked.text, author=locked.author)
            locked.mentions.set(mentions)
            _notify_mentions(post=locked, users=mentions)
            if images is not None:
                locked.images.filter(detached_at__isnull=True).update(detached_at=timezone.now())
                current_images = _image_rows(post=locked, stored=stored)
            number = (locked.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            PostRevision.objects.create(
                post=locked,
                number=number,
                text=locked.text,
                content_warning=locked.content_warning,
                images=_image_snapshot(current_images),
                edited_by=by,
            )
            if locked.moderation_status != Post.ModerationStatus.REMOVED:  # a removed post's tags are not counted
                _hashtags_count(
                    added=[tag for tag in locked.hashtags if tag not in old_tags],
                    removed=[tag for tag in old_tags if tag not in locked.hashtags],
                )
    except BaseException:
        images_discard(images=stored)
        raise
    return locked


def _posts_count(*, user_id: uuid.UUID, delta: int) -> None:
    """The profile's ``posts_count`` (posts and quotes, not reposts), changed with ``F()``."""
    users = User.objects.filter(pk=user_id)
    if delta < 0:
        users = users.filter(posts_count__gte=-delta)
    users.update(posts_count=F("posts_count") + delta)


def _soft_delete(*, post: Post) -> None:
    post.soft_delete()
    if post.kind != Post.Kind.REPOST:
        _posts_count(user_id=post.author_id, delta=-1)
    if post.moderation_status != Post.ModerationStatus.REMOVED:
        _hashtags_count(added=[], removed=list(post.hashtags))
    if post.original_id is not None:
        counter = "quotes_count" if post.kind == Post.Kind.QUOTE else "reposts_count"
        Post.all_objects.filter(pk=post.original_id, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1})


@transaction.atomic
def post_delete(*, post: Post, by: User) -> None:
    """Soft-delete ``post``; only its author may (``not_author``, 403). Reposts and quotes of it
    then show it as gone. Its files stay until the post is purged."""
    if post.author_id != by.pk:
        raise PermissionDeniedError("Only the author can delete a post.", code="not_author")
    locked = Post.objects.select_for_update().filter(pk=post.pk).first()
    if locked is None:
        raise NotFoundError("No such post.", code="post_not_found")
    _soft_delete(post=locked)


def poll_vote(*, post: Post, user: User, option_ids: list[uuid.UUID]) -> Poll:
    """Vote in ``post``'s poll. One vote per user per poll (the database's unique constraint
    decides under races: ``already_voted``, 409); ``poll_closed`` (409) after the end;
    ``invalid_option`` / ``single_choice`` (400) for a bad choice; ``no_poll`` (404)."""
    poll = Poll.objects.filter(post=post).first()
    if poll is None:
        raise NotFoundError("This post has no poll.", code="no_poll")
    if timezone.now() >= poll.ends_at:
        raise ConflictError("This poll has ended.", code="poll_closed")
    chosen = list(dict.fromkeys(option_ids))
    if not chosen:
        raise _field_error("options", "Choose an option.", "required")
    if not poll.multiple_choice and len(chosen) > 1:
        raise _field_error("options", "This poll takes one choice.", "single_choice")
    valid = set(poll.options.values_list("id", flat=True))
    if not set(chosen) <= valid:
        raise _field_error("options", "That option is not in this poll.", "invalid_option")
    try:
        with transaction.atomic():
            PollVote.objects.create(poll=poll, user=user, option_ids=chosen)
            PollOption.objects.filter(pk__in=chosen).update(votes_count=F("votes_count") + 1)
            Poll.objects.filter(pk=poll.pk).update(voters_count=F("voters_count") + 1)
    except IntegrityError:
        raise ConflictError("You have voted in this poll already.", code="already_voted") from None
    poll.refresh_from_db()
    return poll


_MODERATION_TRANSITIONS: dict[str, set[str]] = {
    Post.ModerationStatus.VISIBLE: {Post.ModerationStatus.LIMITED, Post.ModerationStatus.REMOVED},
    Post.ModerationStatus.LIMITED: {Post.ModerationStatus.VISIBLE, Post.ModerationStatus.REMOVED},
    Post.ModerationStatus.REMOVED: {Post.ModerationStatus.VISIBLE, Post.ModerationStatus.LIMITED},
}


@transaction.atomic
def post_moderate(*, post: Post, status: str, reason: str, by: User) -> Post:
    """Set a post's moderation status (transitions in ``content.models.post``) with a reason.

    Needs ``content.moderate_posts`` (``permission_denied``, 403); a reason is required
    (``reason_required``, 400); an unlisted transition is ``invalid_transition`` (409).
    Removing a post takes its hashtags out of the usage counts; restoring puts them back.
    """
    if not by.has_perm("content.moderate_posts"):
        raise PermissionDeniedError("Only moderators can moderate posts.")
    if not reason.strip():
        raise ApplicationError("Give a reason.", code="reason_required")
    locked = Post.all_objects.select_for_update().get(pk=post.pk)
    if status not in _MODERATION_TRANSITIONS.get(locked.moderation_status, set()):
        raise ConflictError(f"A {locked.moderation_status} post cannot become {status}.", code="invalid_transition")
    if not locked.is_deleted:
        if status == Post.ModerationStatus.REMOVED:
            _hashtags_count(added=[], removed=list(locked.hashtags))
        elif locked.moderation_status == Post.ModerationStatus.REMOVED:
            _hashtags_count(added=list(locked.hashtags), removed=[])
    locked.moderation_status = status
    locked.moderation_reason = reason.strip()
    locked.moderated_by = by
    locked.moderated_at = timezone.now()
    locked.save(update_fields=["moderation_status", "moderation_reason", "moderated_by", "moderated_at", "updated_at"])
    return locked


@transaction.atomic
def post_mark_sensitive(*, post: Post, sensitive: bool, by: User) -> Post:
    """A moderator marks a post's media sensitive (or not). Needs ``content.moderate_posts``."""
    if not by.has_perm("content.moderate_posts"):
        raise PermissionDeniedError("Only moderators can moderate posts.")
    Post.all_objects.filter(pk=post.pk).update(sensitive=sensitive, updated_at=timezone.now())
    post.sensitive = sensitive
    return post


@transaction.atomic
def hashtag_set_blocked(*, hashtag: Hashtag, blocked: bool, by: User) -> Hashtag:
    """Block a hashtag from trending and discovery (or unblock it). Needs ``content.moderate_posts``."""
    if not by.has_perm("content.moderate_posts"):
        raise PermissionDeniedError("Only moderators can block hashtags.")
    Hashtag.objects.filter(pk=hashtag.pk).update(blocked_from_trending=blocked, updated_at=timezone.now())
    hashtag.blocked_from_trending = blocked
    return hashtag


__all__ = [
    "ImageUpload",
    "PollSpec",
    "PostContent",
    "hashtag_set_blocked",
    "poll_vote",
    "post_create",
    "post_delete",
    "post_edit",
    "post_moderate",
    "post_quote",
    "post_repost",
    "post_unrepost",
]


@transaction.atomic
def posts_purge_of_author(*, user: User) -> int:
    """Delete for good every post ``user`` wrote, with its revisions, images, poll and votes,
    and the image files after commit. For the account purge (content/deletion.py).

    Live posts are first deleted the ordinary way, so hashtag counts and the repost and quote
    counts of other people's posts stay right. Returns how many posts were removed.
    """
    posts = Post.all_objects.filter(author=user)
    for post in posts.filter(deleted_at__isnull=True).select_for_update():
        _soft_delete(post=post)
    files = [name for pair in PostImage.objects.filter(post__author=user).values_list("full", "feed") for name in pair]
    storage = PostImage._meta.get_field("full").storage
    count = posts.count()
    posts.hard_delete()
    for name in filter(None, files):
        after_commit(storage.delete, name)
    return count
