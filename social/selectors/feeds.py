"""Feeds: home, a user's profile, a hashtag; trending hashtags.

A feed is a union of posts (with reposts and quotes) and videos, newest first. Both tables
have time-ordered UUIDv7 keys, so one ``id`` orders the union: a page is the newest
``page_size`` items older than the cursor (the last id of the previous page). New items get
greater ids, so paging on while people post never skips or repeats an item.

One page is a fixed number of queries, whatever its size and whatever it mixes (see
``docs/social.md``). The home feed: its page statement (ids, kinds, the viewer's likes and
saves: :func:`home_page_ids`); the posts, with authors, originals and polls joined and, as two
JSON columns (:func:`with_render_extras`), the images, mentions, poll options and own vote of
each post and its original; the videos, when the page has any. Profile and hashtag feeds: the
viewer's graph in one ``UNION ALL`` (whom they follow, block, are blocked by, mute), then the
posts and the videos the same way, with ``viewer_liked``/``viewer_saved`` as ``EXISTS`` columns.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    JSONField,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_in_good_standing_q
from accounts.standing import out_of_standing_ids_sql
from billing.selectors import member_access_sql
from content import relations as content_relations
from content.models import Hashtag, PollOption, PollVote, Post, PostImage, Video
from content.selectors.posts import posts_visible_q
from content.selectors.videos import videos_visible_q
from core.errors import ApplicationError, NotFoundError
from social.models import Block, Follow, Like, Mute, Save

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass
class FeedItem:
    """One item: a post (also a repost or a quote) or a video, and what the viewer did to it."""

    type: str  # "post" | "video"
    id: uuid.UUID
    created_at: dt.datetime
    post: Post | None = None
    video: Video | None = None
    viewer_liked: bool = False
    viewer_saved: bool = False


@dataclass
class FeedPage:
    items: list[FeedItem]
    next_cursor: str | None


@dataclass
class ViewerGraph:
    """The viewer's side of the graph, read once per page."""

    following: set = field(default_factory=set)
    blocked: set = field(default_factory=set)  # either way
    muted: set = field(default_factory=set)

    @property
    def hidden(self) -> set:
        return self.blocked | self.muted


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def viewer_graph(*, user: User | None, with_following: bool = True) -> ViewerGraph:
    """Whom ``user`` follows, has a block with (either way) and mutes: one query. Primes
    ``content.relations``' block cache so the serializers ask nothing more."""
    graph = ViewerGraph()
    if not _signed_in(user):
        return graph
    tag = CharField()
    parts = [
        Block.objects.filter(blocker_id=user.pk).values_list("blocked_id", Value("b", output_field=tag)),
        Block.objects.filter(blocked_id=user.pk).values_list("blocker_id", Value("b", output_field=tag)),
        Mute.objects.filter(muter_id=user.pk).values_list("muted_id", Value("m", output_field=tag)),
    ]
    if with_following:
        follows = Follow.objects.filter(follower_id=user.pk)
        parts.append(follows.values_list("followee_id", Value("f", output_field=tag)))
    rows = parts[0].union(*parts[1:], all=True).order_by()
    sets = {"f": graph.following, "b": graph.blocked, "m": graph.muted}
    for other_id, kind in rows:
        sets[kind].add(other_id)
    content_relations.blocked_ids_prime(user=user, ids=graph.blocked)
    return graph


def cursor_parse(cursor: str | None) -> uuid.UUID | None:
    """The id a cursor names (``None``: the first page); 400 ``invalid_cursor`` otherwise."""
    if not cursor:
        return None
    try:
        return uuid.UUID(cursor)
    except ValueError:
        raise ApplicationError("This cursor is not one the API gave out.", code="invalid_cursor") from None


def page_size_parse(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise ApplicationError("page_size is a whole number.", code="invalid_page_size") from None
    return max(1, min(size, MAX_PAGE_SIZE))


def _viewer_flags(queryset: QuerySet, *, user: User | None, target: str, ref: str) -> QuerySet:
    if not _signed_in(user):
        return queryset.annotate(
            viewer_liked=Value(False, output_field=BooleanField()),
            viewer_saved=Value(False, output_field=BooleanField()),
        )
    return queryset.annotate(
        viewer_liked=Exists(Like.objects.filter(user_id=user.pk, **{target: OuterRef(ref)})),
        viewer_saved=Exists(Save.objects.filter(user_id=user.pk, **{target: OuterRef(ref)})),
    )


def _posts_for_page(queryset: QuerySet[Post], *, user: User | None, graph: ViewerGraph) -> QuerySet[Post]:
    if graph.hidden:
        # Reposts and quotes of a blocked or muted user's post are left out too.
        queryset = queryset.exclude(author_id__in=graph.hidden).exclude(original__author_id__in=graph.hidden)
    # What a repost's like or save is about: its original.
    queryset = queryset.annotate(
        subject_id=Case(When(kind=Post.Kind.REPOST, then=F("original_id")), default=F("id"))
    ).select_related("author", "poll", "original", "original__author", "original__poll")
    return _viewer_flags(with_render_extras(queryset, user=user), user=user, target="post_id", ref="subject_id")


def _videos_for_page(queryset: QuerySet[Video], *, user: User | None, graph: ViewerGraph) -> QuerySet[Video]:
    if graph.hidden:
        queryset = queryset.exclude(owner_id__in=graph.hidden)
    return _viewer_flags(queryset.select_related("owner"), user=user, target="video_id", ref="pk")


# What rendering a post needs besides its own row (its current images, its mentions, its poll's
# options and the viewer's vote), for the post and for its original, as two JSON columns of the
# posts query itself, built by correlated subqueries over the page's rows only and read back into
# model instances as ``.only()`` would make them. A page is then the same number of queries
# whatever mix of images, mentions, polls, reposts and quotes it holds. The SQL is written out
# (table and column names from the models, values as parameters): the same columns as ORM
# subquery expressions took longer to compile, on every page, than the query took to run.
_IMAGE_FIELDS = ("id", "post_id", "position", "full", "feed", "width", "height", "alt_text")
_OPTION_FIELDS = ("id", "poll_id", "position", "label", "votes_count")
_MENTION_FIELDS = ("id", "handle", "display_name")


def _json_object(alias: str, model, fields: tuple[str, ...]) -> str:
    """``jsonb_build_object('name', alias."column", ...)`` for ``fields`` of ``model``."""
    parts = []
    for name in fields:
        column = model._meta.get_field(name.removesuffix("_id")).column
        parts.append(f"'{name}', {alias}.\"{column}\"")
    return f"jsonb_build_object({', '.join(parts)})"


def _extras_sql(ref: str) -> str:
    """One JSON object (``images``, ``mentions``, ``options``, ``vote``) for the post whose id is
    the outer query's column ``ref``; ``%s`` is the viewer's id (NULL when signed out)."""
    image = PostImage._meta.db_table
    through = Post.mentions.through._meta.db_table
    user = User._meta.db_table
    poll = PollOption._meta.get_field("poll").related_model._meta.db_table
    option = PollOption._meta.db_table
    vote = PollVote._meta.db_table
    images = _json_object("i", PostImage, _IMAGE_FIELDS)
    mentions = _json_object("u", User, _MENTION_FIELDS)
    options = _json_object("o", PollOption, _OPTION_FIELDS)
    return f"""jsonb_build_object(
        'images', (SELECT coalesce(jsonb_agg({images} ORDER BY i.position), '[]') FROM {image} i
                   WHERE i.post_id = {ref} AND i.detached_at IS NULL),
        'mentions', (SELECT coalesce(jsonb_agg({mentions} ORDER BY m.id), '[]') FROM {through} m
                     JOIN {user} u ON u.id = m.user_id WHERE m.post_id = {ref}),
        'options', (SELECT coalesce(jsonb_agg({options} ORDER BY o.position), '[]') FROM {option} o
                    JOIN {poll} pl ON pl.id = o.poll_id WHERE pl.post_id = {ref}),
        'vote', (SELECT v.option_ids FROM {vote} v JOIN {poll} pl ON pl.id = v.poll_id
                 WHERE pl.post_id = {ref} AND v.user_id = %s))"""  # noqa: S608


_EXTRAS: dict[str, str] = {}


def with_render_extras(queryset: QuerySet[Post], *, user: User | None) -> QuerySet[Post]:
    """``queryset`` with what :func:`render_extras_attach` needs, for each post (``x_extras``)
    and its original (``xo_extras``). ``queryset`` must select from the posts table itself."""
    if not _EXTRAS:
        table = Post._meta.db_table
        _EXTRAS["post"] = _extras_sql(f'"{table}"."id"')
        original = f'"{table}"."original_id"'
        _EXTRAS["original"] = f"CASE WHEN {original} IS NULL THEN NULL ELSE {_extras_sql(original)} END"
    viewer = [user.pk if _signed_in(user) else None]
    return queryset.annotate(
        x_extras=RawSQL(_EXTRAS["post"], viewer, output_field=JSONField()),  # noqa: S611 (names from the models; the viewer a parameter)
        xo_extras=RawSQL(_EXTRAS["original"], viewer, output_field=JSONField()),  # noqa: S611
    )


def _instances(model, fields: tuple[str, ...], rows: list[dict] | None, uuids: tuple[str, ...]) -> list:
    db = connection.alias
    made = []
    for row in rows or ():
        values = [uuid.UUID(row[name]) if name in uuids and row[name] is not None else row[name] for name in fields]
        made.append(model.from_db(db, fields, values))
    return made


def _prefetched(manager, objects: list) -> QuerySet:
    # What ``prefetch_related_objects`` leaves in an instance's cache: the relation's queryset
    # with its results already in place.
    queryset = manager.get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    return queryset


_NO_MENTIONS = User.objects.none()


def _attach(post: Post, extras: dict, *, signed_in: bool) -> None:
    post.current_images = _instances(PostImage, _IMAGE_FIELDS, extras["images"], ("id", "post_id"))
    mentioned = extras["mentions"]
    cache = post.__dict__.setdefault("_prefetched_objects_cache", {})
    cache["mentions"] = (
        _prefetched(post.mentions, _instances(User, _MENTION_FIELDS, mentioned, ("id",))) if mentioned else _NO_MENTIONS
    )
    try:
        poll = post.poll
    except Post.poll.RelatedObjectDoesNotExist:
        return
    options = _instances(PollOption, _OPTION_FIELDS, extras["options"], ("id", "poll_id"))
    poll.__dict__.setdefault("_prefetched_objects_cache", {})["options"] = _prefetched(poll.options, options)
    option_ids = extras["vote"] if signed_in else None
    poll.viewer_votes = [] if option_ids is None else [PollVote(poll_id=poll.pk, option_ids=_uuids(option_ids))]


def _uuids(values: list) -> list[uuid.UUID]:
    return [value if isinstance(value, uuid.UUID) else uuid.UUID(value) for value in values]


def render_extras_attach(posts: list[Post], *, user: User | None) -> None:
    """Put the columns :func:`with_render_extras` added where the post serializers read them:
    ``current_images``, the ``mentions`` and poll ``options`` caches, the poll's ``viewer_votes``."""
    signed_in = _signed_in(user)
    for post in posts:
        _attach(post, post.x_extras, signed_in=signed_in)
        if post.original is not None:
            _attach(post.original, post.xo_extras, signed_in=signed_in)


def _page(
    *,
    posts: QuerySet[Post] | None,
    videos: QuerySet[Video] | None,
    user: User | None,
    graph: ViewerGraph,
    cursor: uuid.UUID | None,
    page_size: int,
) -> FeedPage:
    items: list[FeedItem] = []
    # Each kind is one query: the page's ids are picked by a subquery that selects only the id
    # (ordered, limited), and the rows are hydrated by primary key without an ORDER BY (sorted
    # here). Ordering the hydrating query itself made Django hash every selected column of the
    # joined models on each page (``SQLCompiler._order_by_pairs``), a few milliseconds a page.
    if posts is not None:
        if cursor is not None:
            posts = posts.filter(id__lt=cursor)
        if graph.hidden:
            # Reposts and quotes of a blocked or muted user's post are left out too.
            posts = posts.exclude(author_id__in=graph.hidden).exclude(original__author_id__in=graph.hidden)
        page_ids = posts.order_by("-id").values("id")[: page_size + 1]
        hydrated = _posts_for_page(Post.objects.filter(pk__in=page_ids), user=user, graph=ViewerGraph())
        for post in hydrated.order_by():
            items.append(
                FeedItem("post", post.pk, post.created_at, post=post, viewer_liked=post.viewer_liked,
                         viewer_saved=post.viewer_saved)
            )  # fmt: skip
    if videos is not None:
        if cursor is not None:
            videos = videos.filter(id__lt=cursor)
        if graph.hidden:
            videos = videos.exclude(owner_id__in=graph.hidden)
        page_ids = videos.order_by("-id").values("id")[: page_size + 1]
        hydrated = _videos_for_page(Video.objects.filter(pk__in=page_ids), user=user, graph=ViewerGraph())
        for video in hydrated.order_by():
            items.append(
                FeedItem("video", video.pk, video.created_at, video=video, viewer_liked=video.viewer_liked,
                         viewer_saved=video.viewer_saved)
            )  # fmt: skip
    items.sort(key=lambda item: item.id, reverse=True)
    more = len(items) > page_size
    items = items[:page_size]
    render_extras_attach([item.post for item in items if item.post is not None], user=user)
    return FeedPage(items=items, next_cursor=str(items[-1].id) if more and items else None)


# Home feeds of users following at least this many accounts scan the newest posts for ones by
# their followees; below it, each followee's newest posts are read from the (author, -id) index
# and merged. See docs/social.md ("The home feed query") for the measurements behind it.
HOME_SCAN_MIN_FOLLOWING = 500

_POST_VISIBLE = (  # table names from the models; every value is a parameter
    """
    p.id < %(cursor)s AND p.deleted_at IS NULL
    AND (p.author_id = %(user)s OR (
        p.moderation_status <> 'removed'
        AND (p.visibility IN ('public', 'followers')
             OR (p.visibility = 'mentioned' AND EXISTS (
                 SELECT 1 FROM {mentions} m WHERE m.post_id = p.id AND m.user_id = %(user)s)))
        AND NOT EXISTS (SELECT 1 FROM {mute} mu WHERE mu.muter_id = %(user)s AND mu.muted_id = p.author_id)
        AND """  # noqa: S608
    + member_access_sql(viewer_param="user", creator_col="p.author_id", minimum_tier_col="p.minimum_tier")
    + """))
    AND (p.original_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM {post} o WHERE o.id = p.original_id AND (
            EXISTS (SELECT 1 FROM {mute} mu WHERE mu.muter_id = %(user)s AND mu.muted_id = o.author_id)
            OR o.author_id IN ("""
    + out_of_standing_ids_sql()
    + """)
            OR EXISTS (SELECT 1 FROM {block} b WHERE b.blocker_id = %(user)s AND b.blocked_id = o.author_id)
            OR EXISTS (SELECT 1 FROM {block} b WHERE b.blocked_id = %(user)s AND b.blocker_id = o.author_id))))
"""
)
_VIDEO_VISIBLE = """
    v.id < %(cursor)s AND v.deleted_at IS NULL AND v.moderation_status = 'visible' AND v.master_playlist <> ''
    AND v.status IN ('ready', 'processing')
    AND (v.visibility = 'public' OR (v.visibility = 'scheduled' AND v.publish_at <= now()))
    AND NOT EXISTS (SELECT 1 FROM {mute} mu WHERE mu.muter_id = %(user)s AND mu.muted_id = v.owner_id)
"""
# What a like or a save of the item is about: a repost's original, else the item itself.
_POST_SUBJECT = "CASE WHEN p.kind = 'repost' THEN p.original_id ELSE p.id END AS subject"
# Followees in good standing only: a suspended or banned account's items leave every home feed
# (and come back by themselves when the suspension ends or is lifted).
_AUTHORS = (
    """
    WITH authors AS (
        SELECT followee_id AS id FROM {follow} WHERE follower_id = %(user)s AND followee_id NOT IN ("""  # noqa: S608
    + out_of_standing_ids_sql()
    + """)
        UNION ALL SELECT %(user)s::uuid
    )
"""
)
# Few followees: per followee, its newest rows from the (author, -id) index; merge; keep the newest.
_HOME_MERGE = (  # table names from the models; every value is a parameter
    _AUTHORS  # noqa: S608
    + """
    SELECT id, kind, subject FROM (
        SELECT x.id, 'post' AS kind, x.subject FROM authors a CROSS JOIN LATERAL (
            SELECT p.id, """
    + _POST_SUBJECT
    + """ FROM {post} p WHERE p.author_id = a.id AND """
    + _POST_VISIBLE
    + """ ORDER BY p.id DESC LIMIT %(limit)s) x
        UNION ALL
        SELECT x.id, 'video', x.id FROM authors a CROSS JOIN LATERAL (
            SELECT v.id FROM {video} v WHERE v.owner_id = a.id AND """
    + _VIDEO_VISIBLE
    + """ ORDER BY v.id DESC LIMIT %(limit)s) x
    ) items ORDER BY id DESC LIMIT %(limit)s
"""
)
# Many followees: walk the newest rows (primary key, backwards) keeping those by a followee. The
# followee test sits inside an OR so that PostgreSQL makes it a hashed subplan (built once, one
# hash probe per row) rather than a semi-join it would sort.
_FOLLOWED = "({col} = %(user)s OR {col} IN (SELECT id FROM followees))"
_HOME_SCAN = (
    """
    WITH followees AS MATERIALIZED (
        SELECT followee_id AS id FROM {follow} WHERE follower_id = %(user)s AND followee_id NOT IN ("""  # noqa: S608
    + out_of_standing_ids_sql()
    + """))
    SELECT id, kind, subject FROM (
        (SELECT p.id, 'post' AS kind, """
    + _POST_SUBJECT
    + """ FROM {post} p WHERE """
    + _FOLLOWED.replace("{col}", "p.author_id")
    + " AND "
    + _POST_VISIBLE
    + """ ORDER BY p.id DESC LIMIT %(limit)s)
        UNION ALL
        (SELECT v.id, 'video', v.id FROM {video} v WHERE """
    + _FOLLOWED.replace("{col}", "v.owner_id")
    + " AND "
    + _VIDEO_VISIBLE
    + """ ORDER BY v.id DESC LIMIT %(limit)s)
    ) items ORDER BY id DESC LIMIT %(limit)s
"""
)
# The viewer's like and save of each item of the page (only the page's rows: outside the LIMIT).
_WITH_VIEWER_FLAGS = """
    SELECT page.id, page.kind,
        CASE WHEN page.kind = 'post'
             THEN EXISTS (SELECT 1 FROM {like} l WHERE l.user_id = %(user)s AND l.post_id = page.subject)
             ELSE EXISTS (SELECT 1 FROM {like} l WHERE l.user_id = %(user)s AND l.video_id = page.subject) END,
        CASE WHEN page.kind = 'post'
             THEN EXISTS (SELECT 1 FROM {save} s WHERE s.user_id = %(user)s AND s.post_id = page.subject)
             ELSE EXISTS (SELECT 1 FROM {save} s WHERE s.user_id = %(user)s AND s.video_id = page.subject) END
    FROM ({page}) page ORDER BY page.id DESC
"""
_MAX_ID = uuid.UUID("ffffffff-ffff-7fff-bfff-ffffffffffff")


def _tables() -> dict[str, str]:
    return {
        "post": Post._meta.db_table,
        "video": Video._meta.db_table,
        "mentions": Post.mentions.through._meta.db_table,
        "follow": Follow._meta.db_table,
        "mute": Mute._meta.db_table,
        "block": Block._meta.db_table,
        "like": Like._meta.db_table,
        "save": Save._meta.db_table,
    }


def home_page_sql(*, user: User) -> str:
    """The statement :func:`home_page_ids` runs for ``user`` (the benchmark times it bare)."""
    template = _HOME_SCAN if user.following_count >= HOME_SCAN_MIN_FOLLOWING else _HOME_MERGE
    tables = _tables()
    return _WITH_VIEWER_FLAGS.format(page=template.format(**tables), **tables)


def home_page_ids(*, user: User, cursor: uuid.UUID | None, limit: int) -> list[tuple[uuid.UUID, str, bool, bool]]:
    """One home page as ``(id, kind, viewer_liked, viewer_saved)`` rows, ``kind`` being
    ``post`` or ``video``, newest first: one statement."""
    sql = home_page_sql(user=user)
    with connection.cursor() as db:
        db.execute(sql, {"user": user.pk, "cursor": cursor or _MAX_ID, "limit": limit})
        return list(db.fetchall())


def feed_home(*, user: User, cursor: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> FeedPage:
    """Posts, reposts, quotes and videos of the users ``user`` follows and their own, newest
    first; muted users' items, and reposts and quotes of posts by users muted or with a block
    either way, left out (blocks end follows, so no followee is blocked).

    Queries: the page's ids (one statement, see :func:`home_page_ids`), the posts with all
    they render (:func:`with_render_extras`), the videos with their owners when there are any.
    """
    after = cursor_parse(cursor)
    rows = home_page_ids(user=user, cursor=after, limit=page_size + 1)
    more = len(rows) > page_size
    rows = rows[:page_size]
    post_ids = [row[0] for row in rows if row[1] == "post"]
    video_ids = [row[0] for row in rows if row[1] == "video"]
    # The statement left out whatever a block hides; the serializers need not ask again.
    content_relations.blocked_ids_prime(user=user, ids=set())
    posts = {}
    if post_ids:
        related = ("author", "poll", "original", "original__author", "original__poll")
        # No ORDER BY: the page's order is ``rows``' (an ordered query hashes every selected column).
        page_posts = with_render_extras(
            Post.objects.filter(pk__in=post_ids).select_related(*related).order_by(), user=user
        )
        posts = {post.pk: post for post in page_posts}
    videos = {}
    if video_ids:
        page_videos = Video.objects.filter(pk__in=video_ids).select_related("owner").order_by()
        videos = {video.pk: video for video in page_videos}
    items = []
    for pk, kind, liked, saved in rows:
        if kind == "post" and pk in posts:
            items.append(FeedItem("post", pk, posts[pk].created_at, post=posts[pk], viewer_liked=liked,
                                  viewer_saved=saved))  # fmt: skip
        elif kind == "video" and pk in videos:
            items.append(FeedItem("video", pk, videos[pk].created_at, video=videos[pk], viewer_liked=liked,
                                  viewer_saved=saved))  # fmt: skip
    render_extras_attach([item.post for item in items if item.post is not None], user=user)
    return FeedPage(items=items, next_cursor=str(rows[-1][0]) if more and rows else None)


def _user_by_handle(*, handle: str, viewer: User | None) -> User:
    from accounts.selectors import users_with_handle

    found = (
        users_with_handle(handle=handle.lstrip("@"))
        .filter(is_active=True)
        .filter(users_in_good_standing_q())
        .order_by()[:1]
    )
    author = next(iter(found), None)
    if author is None or content_relations.is_blocked_between(user=viewer, other_id=author.pk):
        raise NotFoundError("No such user.", code="user_not_found")
    return author


def feed_profile(
    *, handle: str, viewer: User | None, cursor: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
) -> FeedPage:
    """``handle``'s posts and videos that ``viewer`` may see, newest first; 404
    ``user_not_found`` when there is a block either way."""
    after = cursor_parse(cursor)
    graph = viewer_graph(user=viewer, with_following=False)
    author = _user_by_handle(handle=handle, viewer=viewer)
    posts = Post.objects.filter(author=author).filter(posts_visible_q(user=viewer))
    videos = Video.objects.filter(owner=author).filter(videos_visible_q(user=viewer))
    return _page(posts=posts, videos=videos, user=viewer, graph=graph, cursor=after, page_size=page_size)


def feed_hashtag(
    *, tag: str, viewer: User | None, cursor: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
) -> FeedPage:
    """Posts and videos with hashtag ``tag`` that ``viewer`` may see, newest first; limited
    posts and blocked or muted users left out."""
    from content.services.post_text import hashtag_normalize

    after = cursor_parse(cursor)
    name = hashtag_normalize(tag.lstrip("#"))
    if not name:
        raise ApplicationError("Name a hashtag.", code="hashtag_required")
    graph = viewer_graph(user=viewer, with_following=False)
    posts = (
        Post.objects.filter(hashtags__contains=[name])
        .filter(posts_visible_q(user=viewer))
        .filter(users_in_good_standing_q(prefix="author__"))
        .exclude(moderation_status=Post.ModerationStatus.LIMITED)
    )
    videos = Video.objects.filter(tags__contains=[name]).filter(videos_visible_q(user=viewer))
    return _page(posts=posts, videos=videos, user=viewer, graph=graph, cursor=after, page_size=page_size)


@dataclass(frozen=True)
class TrendingHashtag:
    name: str
    uses_24h: int
    usual_per_day: float
    score: float


TRENDING_BASELINE_DAYS = 7


def hashtags_trending(*, limit: int = 10, now: dt.datetime | None = None) -> list[TrendingHashtag]:
    """Hashtags ranked by their uses in the last 24 hours against their usual daily rate over
    the 7 days before (``score = uses_24h / (usual_per_day + 1)``, so a new tag needs real use
    to rank). Counts live, visible, public posts of accounts in good standing; tags blocked from
    trending are left out."""
    now = now or timezone.now()
    day_ago = now - dt.timedelta(hours=24)
    baseline_start = day_ago - dt.timedelta(days=TRENDING_BASELINE_DAYS)
    sql = f"""
        WITH uses AS (
            SELECT tag, (p.created_at >= %(day_ago)s) AS recent
            FROM {Post._meta.db_table} p, unnest(p.hashtags) AS tag
            WHERE p.created_at >= %(baseline_start)s AND p.created_at < %(now)s
              AND p.deleted_at IS NULL AND p.visibility = 'public' AND p.moderation_status = 'visible'
              AND p.author_id NOT IN ({out_of_standing_ids_sql()})
        )
        SELECT tag,
               count(*) FILTER (WHERE recent) AS recent_uses,
               count(*) FILTER (WHERE NOT recent)::float / %(days)s AS usual
        FROM uses
        WHERE tag NOT IN (SELECT name FROM {Hashtag._meta.db_table} WHERE blocked_from_trending)
        GROUP BY tag
        HAVING count(*) FILTER (WHERE recent) > 0
        ORDER BY count(*) FILTER (WHERE recent) / (count(*) FILTER (WHERE NOT recent)::float / %(days)s + 1) DESC,
                 recent_uses DESC, tag
        LIMIT %(limit)s
    """  # noqa: S608 (table names from the models, values as parameters)
    params = {
        "day_ago": day_ago,
        "baseline_start": baseline_start,
        "now": now,
        "days": TRENDING_BASELINE_DAYS,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        TrendingHashtag(name=name, uses_24h=recent, usual_per_day=round(usual, 2), score=round(recent / (usual + 1), 2))
        for name, recent, usual in rows
    ]
