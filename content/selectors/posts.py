"""Reads of posts: who may see what, one post, a user's posts, search, hashtag lookup.

Visibility (one rule, two forms: :func:`can_view` for one post, :func:`posts_visible_q` for
querysets):

- the author always sees their own posts, removed ones included;
- a removed post is seen by nobody else; a soft-deleted post by nobody;
- ``public``: everyone, signed in or not;
- ``followers``: the author's followers (asked of the social graph through
  :mod:`content.relations`, which the social app provides);
- ``mentioned``: the author and the users mentioned in the post;
- whatever the visibility, nobody with a block either way with the author sees the post;
- while the author is suspended or banned, nobody but the author and moderators sees the post
  (by direct link too: 404 ``post_not_found``), and in listings nobody but the author sees it,
  nor a repost or quote of it (``accounts.standing``); all of it comes back when that ends.
- members-only (``minimum_tier`` set, a position of the author's tiers): besides the above, only
  the author's members at that tier or above, the author and moderators (billing's gate,
  ``billing.selectors.viewer_has_tier``). One post asked for by id answers 403 ``members_only``
  with the tier needed; listings leave the post out, as they leave out subscribers-only videos.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from accounts.selectors import account_hidden_from, out_of_standing_ids, users_in_good_standing_q
from billing.selectors import member_access_q, members_only_error, viewer_has_tier
from content import relations
from content.models import Hashtag, PollVote, Post, PostImage
from content.models.post import SEARCH_CONFIG
from content.selectors.post_render import PAGE_POSTS, render_extras_attach
from core.errors import NotFoundError, PermissionDeniedError


def _is_follower(*, user: User, author_id: uuid.UUID) -> bool:
    """Whether ``user`` follows the author (the social graph's answer through content.relations)."""
    return relations.is_following(follower=user, followee_id=author_id)


def _is_moderator(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_perm("content.moderate_posts")


def passes_tier(*, post: Post, user: User | None) -> bool:
    """Whether ``user`` passes ``post``'s members-only gate (always, when it has none)."""
    if post.minimum_tier is None or _is_moderator(user):
        return True
    return viewer_has_tier(viewer=user, creator_id=post.author_id, minimum_tier=post.minimum_tier)


def can_view(*, post: Post, user: User | None) -> bool:
    """Whether ``user`` (``None`` or anonymous: a visitor) may read ``post``: its visibility and
    its members-only gate."""
    return _passes_visibility(post=post, user=user) and passes_tier(post=post, user=user)


def _passes_visibility(*, post: Post, user: User | None) -> bool:
    signed_in = user is not None and user.is_authenticated
    if post.is_deleted:
        return False
    if signed_in and post.author_id == user.pk:
        return True
    if post.moderation_status == Post.ModerationStatus.REMOVED:
        return False
    if account_hidden_from(owner=post.author, viewer=user):
        return False
    if signed_in and relations.is_blocked_between(user=user, other_id=post.author_id):
        return False
    if post.visibility == Post.Visibility.PUBLIC:
        return True
    if not signed_in:
        return False
    if post.visibility == Post.Visibility.FOLLOWERS:
        return _is_follower(user=user, author_id=post.author_id)
    return any(mentioned.pk == user.pk for mentioned in post.mentions.all())


def posts_visible_q(*, user: User | None, prefix: str = "") -> Q:
    """The :func:`can_view` rule as a ``Q`` on ``Post`` (``prefix`` for a related post, e.g. ``original__``)."""

    def q(**kwargs) -> Q:
        return Q(**{f"{prefix}{key}": value for key, value in kwargs.items()})

    # Authors suspended or banned now, and reposts and quotes of their posts, are left out (a hashed
    # subplan over the few such accounts, and one primary-key probe for a repost or quote).
    of_hidden_account = Post.all_objects.filter(
        pk=OuterRef(f"{prefix}original_id"), author_id__in=out_of_standing_ids()
    )
    shown = (
        q(deleted_at__isnull=True)
        & ~q(moderation_status=Post.ModerationStatus.REMOVED)
        & ~q(author_id__in=out_of_standing_ids())
        & (q(original_id__isnull=True) | ~Exists(of_hidden_account))
    )
    rule = shown & q(visibility=Post.Visibility.PUBLIC)
    if user is not None and user.is_authenticated:
        rule |= (
            shown & q(visibility=Post.Visibility.FOLLOWERS) & relations.follows_q(user=user, ref=f"{prefix}author_id")
        )
        # An EXISTS, not a join over the mentions: a join repeats the post per mention, which made
        # every caller add DISTINCT, and DISTINCT made PostgreSQL read (and compute the select
        # list of) every matching post before the page's LIMIT.
        mentioned = Exists(Post.mentions.through.objects.filter(post_id=OuterRef(f"{prefix}id"), user_id=user.pk))
        rule |= shown & q(visibility=Post.Visibility.MENTIONED) & Q(mentioned)
        rule = rule & relations.not_blocked_q(user=user, ref=f"{prefix}author_id")
        rule |= q(deleted_at__isnull=True, author=user)
    # Members-only posts: listed for the author's members at the tier or above (and the author).
    members = member_access_q(viewer=user, creator_ref=f"{prefix}author_id", minimum_tier_ref=f"{prefix}minimum_tier")
    return rule & members


def _with_related(queryset: QuerySet[Post], *, user: User | None) -> QuerySet[Post]:
    """Everything a post's representation needs (its original's too), in a fixed number of queries."""
    current_images = PostImage.objects.filter(detached_at__isnull=True).order_by("position")
    if user is not None and user.is_authenticated:
        viewer_votes = PollVote.objects.filter(user=user)
    else:
        viewer_votes = PollVote.objects.none()
    return queryset.select_related("author", "poll", "original", "original__author", "original__poll").prefetch_related(
        Prefetch("images", queryset=current_images, to_attr="current_images"),
        Prefetch("original__images", queryset=current_images, to_attr="current_images"),
        "mentions",
        "original__mentions",
        "poll__options",
        "original__poll__options",
        Prefetch("poll__votes", queryset=viewer_votes, to_attr="viewer_votes"),
        Prefetch("original__poll__votes", queryset=viewer_votes, to_attr="viewer_votes"),
    )


def post_get(*, post_id: uuid.UUID, user: User | None) -> Post:
    """One post ``user`` may read, ready to render; ``not_found`` (404) otherwise."""
    # The post with all it renders in one statement compiled once (``post_render.PAGE_POSTS``, as
    # the feeds' pages read theirs), not ``_with_related``'s query and prefetches compiled per
    # request. The id prepared as ``filter(pk=...)`` would: a malformed id fails the same way.
    pk = Post._meta.pk.to_python(post_id)
    post = next(PAGE_POSTS(ids=[pk], viewer=user.pk if user is not None and user.is_authenticated else None), None)
    if post is not None:
        render_extras_attach([post], user=user)
    if post is None or not _passes_visibility(post=post, user=user):
        raise NotFoundError("No such post.", code="post_not_found")
    if not passes_tier(post=post, user=user):
        raise members_only_error(creator_id=post.author_id, minimum_tier=post.minimum_tier)
    return post


def post_get_to_share(*, post_id: uuid.UUID, user: User) -> Post:
    """As :func:`post_get`, for reposting or quoting: a live post whose author has a block either
    way with ``user`` is refused with 403 ``blocked`` rather than hidden."""
    author_id = Post.objects.filter(pk=post_id).values_list("author_id", flat=True).first()
    if author_id is not None and relations.is_blocked_between(user=user, other_id=author_id):
        raise PermissionDeniedError("You cannot repost or quote this user's posts.", code="blocked")
    return post_get(post_id=post_id, user=user)


def post_get_for_author(*, post_id: uuid.UUID, author: User) -> Post:
    """One of ``author``'s own live posts (for the studio); ``post_not_found`` otherwise."""
    post = Post.objects.filter(pk=post_id, author=author).first()
    if post is None:
        raise NotFoundError("No such post.", code="post_not_found")
    return post


def post_current_images(*, post: Post) -> list[PostImage]:
    """The post's images as they show now (not earlier versions'), in order."""
    return list(PostImage.objects.filter(post=post, detached_at__isnull=True).order_by("position"))


def posts_by_author(*, handle: str, user: User | None) -> QuerySet[Post]:
    """``handle``'s posts that ``user`` may read, newest first (paginate by ``-id``)."""
    from accounts.selectors import users_with_handle

    author = next(iter(users_with_handle(handle=handle).order_by()[:1]), None)
    if author is None:
        raise NotFoundError("No such user.", code="user_not_found")
    visible = Post.objects.filter(author=author).filter(posts_visible_q(user=user))
    return _with_related(visible.order_by("-id"), user=user)


def posts_of_author_for_studio(*, author: User) -> QuerySet[Post]:
    """All of ``author``'s live posts with their counts, for the studio."""
    return Post.objects.filter(author=author).select_related("original", "poll").order_by("-id")


def posts_search(*, query: str, user: User | None, limit: int = 100) -> list[Post]:
    """Posts matching ``query`` (web-search syntax: words, "quoted phrases", -excluded) that
    ``user`` may read, best match first, then newest; at most ``limit``. Limited posts are left out."""
    search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    ids = (
        Post.objects.filter(search_vector=search)
        .filter(posts_visible_q(user=user))
        .filter(users_in_good_standing_q(prefix="author__"))
        .exclude(moderation_status=Post.ModerationStatus.LIMITED)
        .annotate(rank=SearchRank(F("search_vector"), search))
        .order_by("-rank", "-id")
        .values_list("id", "rank")
        .distinct()[:limit]
    )
    ranked = list(ids)
    posts = {post.pk: post for post in _with_related(Post.objects.filter(pk__in=[pk for pk, _ in ranked]), user=user)}
    return [posts[pk] for pk, _rank in ranked if pk in posts]


def hashtags_by_prefix(*, prefix: str, limit: int = 10) -> list[Hashtag]:
    """Hashtags starting with ``prefix`` (normalised like tags are), most used first.

    Tags blocked from trending and tags no live post uses are left out.
    """
    from content.services.post_text import hashtag_normalize

    normalised = hashtag_normalize(prefix.lstrip("#"))
    if not normalised:
        return []
    return list(
        Hashtag.objects.filter(name__startswith=normalised, blocked_from_trending=False, usage_count__gt=0).order_by(
            "-usage_count", "name"
        )[:limit]
    )


def post_revisions(*, post: Post) -> list:
    """Every version of ``post``, oldest first (the caller checked that the reader may see it)."""
    return list(post.revisions.order_by("number"))
