"""Feeds: home, a user's profile, a hashtag; trending hashtags.

A feed is a union of posts (with reposts and quotes) and videos, newest first. Both tables
have time-ordered UUIDv7 keys, so one ``id`` orders the union: a page is the newest
``page_size`` items older than the cursor (the last id of the previous page). New items get
greater ids, so paging on while people post never skips or repeats an item.

One page is a fixed number of queries, whatever its size and whatever it mixes (see
``docs/social.md``). Every feed: its page statement, SQL written once (ids, kinds, the viewer's
likes and saves: :func:`home_page_ids`, ``_PROFILE_PAGE``, ``_HASHTAG_PAGE``); the posts, with
authors, originals and polls joined and, as two JSON columns (:func:`with_render_extras`), the
images, mentions, poll options and own vote of each post and its original; the videos, when the
page has any. Both hydrating queries are compiled once (``core.compiled``). The profile feed
reads its author first (with the block test as a column), compiled once too. The home, profile
and hashtag page statements, the hydrating queries and the author are prepared on the connection
(``core.compiled.prepared_cursor``): PostgreSQL plans them once per connection, not per page.
The home page's per-followee merge reads a window before the cursor first (``HOME_WINDOW``), and
the hashtag page reads the tag's ids from ``content_hashtagitem`` (``content.models.HashtagItem``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_in_good_standing_q
from accounts.standing import out_of_standing_ids_sql
from billing.selectors import member_access_sql
from content import relations as content_relations
from content.models import Hashtag, HashtagItem, Post, Video
from content.selectors.post_render import PAGE_POSTS, render_extras_attach, with_render_extras  # noqa: F401 (with_render_extras: re-exported)
from core.compiled import SAMPLES, CompiledQuery, Param, prepared_cursor
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
    tables = _tables()
    sql = _GRAPH.format(**tables) + (_GRAPH_FOLLOWING.format(**tables) if with_following else "")
    with connection.cursor() as db:
        db.execute(sql, {"user": user.pk})
        rows = db.fetchall()
    sets = {"f": graph.following, "b": graph.blocked, "m": graph.muted}
    for other_id, kind in rows:
        sets[kind].add(other_id)
    content_relations.blocked_ids_prime(user=user, ids=graph.blocked)
    return graph


# The viewer's graph (table names from the models; the viewer a parameter).
_GRAPH = """
    SELECT blocked_id, 'b' FROM {block} WHERE blocker_id = %(user)s
    UNION ALL SELECT blocker_id, 'b' FROM {block} WHERE blocked_id = %(user)s
    UNION ALL SELECT muted_id, 'm' FROM {mute} WHERE muter_id = %(user)s"""
_GRAPH_FOLLOWING = """
    UNION ALL SELECT followee_id, 'f' FROM {follow} WHERE follower_id = %(user)s"""


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
_HOME_MERGE_ITEMS = (  # table names from the models; every value is a parameter
    """
    SELECT id, kind, subject FROM (
        SELECT x.id, 'post' AS kind, x.subject FROM authors a CROSS JOIN LATERAL (
            SELECT p.id, """  # noqa: S608
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
# The same merge, reading first only the window of ``HOME_WINDOW`` before the cursor (ids are
# time-ordered, so the window is an id range where each followee's index probe stops): when it
# holds a full page, no item outside it can be newer than any item in it, so that is the page;
# only otherwise does the unbounded merge run. Both branches are gated on the window's count
# (a one-time filter: PostgreSQL runs the branch whose test fails not at all), so it is one
# statement either way and always the unbounded merge's page.
_HOME_MERGE_WINDOWED = (
    _AUTHORS  # noqa: S608
    + ", windowed AS MATERIALIZED ("
    + _HOME_MERGE_ITEMS.replace("p.author_id = a.id AND", "p.author_id = a.id AND p.id >= %(floor)s AND").replace(
        "v.owner_id = a.id AND", "v.owner_id = a.id AND v.id >= %(floor)s AND"
    )
    + """)
    SELECT id, kind, subject FROM windowed WHERE (SELECT count(*) FROM windowed) >= %(limit)s
    UNION ALL
    SELECT id, kind, subject FROM ("""
    + _HOME_MERGE_ITEMS
    + """) unbounded WHERE (SELECT count(*) FROM windowed) < %(limit)s
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
        "hashtag_item": HashtagItem._meta.db_table,
        "mentions": Post.mentions.through._meta.db_table,
        "follow": Follow._meta.db_table,
        "mute": Mute._meta.db_table,
        "block": Block._meta.db_table,
        "like": Like._meta.db_table,
        "save": Save._meta.db_table,
    }


# The per-followee merge's window: see _HOME_MERGE_WINDOWED and docs/social.md ("The home feed query").
HOME_WINDOW = dt.timedelta(days=1)
_HOME_STATEMENTS: dict[str, str] = {}


def _home_statement(template: str) -> str:
    if template not in _HOME_STATEMENTS:
        tables = _tables()
        _HOME_STATEMENTS[template] = _WITH_VIEWER_FLAGS.format(page=template.format(**tables), **tables)
    return _HOME_STATEMENTS[template]


def home_page_sql(*, user: User) -> str:
    """The statement :func:`home_page_ids` runs for ``user`` (the benchmark times it bare)."""
    return _home_statement(_HOME_SCAN if user.following_count >= HOME_SCAN_MIN_FOLLOWING else _HOME_MERGE_WINDOWED)


def _window_floor(cursor: uuid.UUID | None) -> uuid.UUID:
    """The smallest id of an item made ``HOME_WINDOW`` before the cursor's item (or now): a
    UUIDv7's first 48 bits are its millisecond timestamp."""
    ms = cursor.int >> 80 if cursor is not None else int(timezone.now().timestamp() * 1000)
    floor_ms = max(ms - int(HOME_WINDOW.total_seconds() * 1000), 0)
    return uuid.UUID(int=floor_ms << 80)


def home_page_ids(*, user: User, cursor: uuid.UUID | None, limit: int) -> list[tuple[uuid.UUID, str, bool, bool]]:
    """One home page as ``(id, kind, viewer_liked, viewer_saved)`` rows, ``kind`` being
    ``post`` or ``video``, newest first: one statement."""
    params = {"user": user.pk, "cursor": cursor or _MAX_ID, "limit": limit, "floor": _window_floor(cursor)}
    # Prepared (core.compiled.prepared_cursor): planning this statement cost more than running it,
    # and its plan (per followee, the (author, -id) index; or the newest-first scan) suits every
    # viewer and cursor.
    with prepared_cursor(connection) as db:
        db.execute(home_page_sql(user=user), params)
        return list(db.fetchall())


def _hydrated_videos(ids: Param) -> QuerySet[Video]:
    table = Video._meta.db_table
    videos = Video.objects.filter(
        RawSQL(f'"{table}"."id" = ANY(%s::uuid[])', [ids], output_field=BooleanField())  # noqa: S611 (the table from the model; the ids a parameter)
    )
    return videos.select_related("owner").order_by()


# A page's videos (owners) by id, compiled once (core.compiled): building and compiling the
# queryset cost more CPU than running it. The posts: content.selectors.post_render.PAGE_POSTS.
PAGE_VIDEOS = CompiledQuery(_hydrated_videos, "ids", prepare=True)


def _hydrate(rows: list[tuple], *, user: User | None, page_size: int) -> FeedPage:
    """The page of a page statement's ``(id, kind, viewer_liked, viewer_saved)`` rows (at most
    ``page_size + 1``, newest first): the posts in one query, the videos in one when there are any."""
    more = len(rows) > page_size
    rows = rows[:page_size]
    post_ids = [row[0] for row in rows if row[1] == "post"]
    video_ids = [row[0] for row in rows if row[1] == "video"]
    viewer = user.pk if _signed_in(user) else None
    posts = {post.pk: post for post in PAGE_POSTS(ids=post_ids, viewer=viewer)} if post_ids else {}
    videos = {video.pk: video for video in PAGE_VIDEOS(ids=video_ids)} if video_ids else {}
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


def feed_home(*, user: User, cursor: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> FeedPage:
    """Posts, reposts, quotes and videos of the users ``user`` follows and their own, newest
    first; muted users' items, and reposts and quotes of posts by users muted or with a block
    either way, left out (blocks end follows, so no followee is blocked).

    Queries: the page's ids (one statement, see :func:`home_page_ids`), the posts with all
    they render (:func:`with_render_extras`), the videos with their owners when there are any.
    """
    after = cursor_parse(cursor)
    rows = home_page_ids(user=user, cursor=after, limit=page_size + 1)
    # The statement left out whatever a block hides; the serializers need not ask again.
    content_relations.blocked_ids_prime(user=user, ids=set())
    return _hydrate(rows, user=user, page_size=page_size)


# The profile and hashtag feeds' page statements: what ``posts_visible_q`` and
# ``videos_visible_q`` say, written out once (tests/social/test_feeds.py holds them to it), less
# the authors the viewer has a block with (either way) or mutes, and reposts and quotes of theirs
# or of accounts suspended or banned now (accounts.standing), and members-only posts the viewer's
# membership does not reach (billing.selectors.member_access_sql).
# A signed-out viewer is NULL: every test on it is then false, leaving public posts only.
_POST_SEEN = (
    """
    p.id < %(cursor)s AND p.deleted_at IS NULL
    AND (p.author_id = %(user)s OR (
        p.moderation_status <> 'removed'
        AND (p.visibility = 'public'
             OR (p.visibility = 'followers' AND EXISTS (
                 SELECT 1 FROM {follow} f WHERE f.follower_id = %(user)s AND f.followee_id = p.author_id))
             OR (p.visibility = 'mentioned' AND EXISTS (
                 SELECT 1 FROM {mentions} m WHERE m.post_id = p.id AND m.user_id = %(user)s)))
        AND NOT EXISTS (SELECT 1 FROM {block} b WHERE (b.blocker_id = %(user)s AND b.blocked_id = p.author_id)
                                                   OR (b.blocked_id = %(user)s AND b.blocker_id = p.author_id))
        AND """  # noqa: S608
    + member_access_sql(viewer_param="user", creator_col="p.author_id", minimum_tier_col="p.minimum_tier")
    + """))
    AND NOT EXISTS (SELECT 1 FROM {mute} mu WHERE mu.muter_id = %(user)s AND mu.muted_id = p.author_id)
    AND (p.original_id IS NULL OR NOT EXISTS (SELECT 1 FROM {post} o WHERE o.id = p.original_id AND (
        EXISTS (SELECT 1 FROM {mute} mu WHERE mu.muter_id = %(user)s AND mu.muted_id = o.author_id)
        OR o.author_id IN ("""
    + out_of_standing_ids_sql()
    + """)
        OR EXISTS (SELECT 1 FROM {block} b WHERE b.blocker_id = %(user)s AND b.blocked_id = o.author_id)
        OR EXISTS (SELECT 1 FROM {block} b WHERE b.blocked_id = %(user)s AND b.blocker_id = o.author_id))))
"""
)
_VIDEO_SEEN = (
    """
    v.id < %(cursor)s AND v.deleted_at IS NULL AND v.moderation_status = 'visible' AND v.master_playlist <> ''
    AND v.status IN ('ready', 'processing')
    AND (v.visibility = 'public' OR (v.visibility = 'scheduled' AND v.publish_at <= now()))
    AND NOT EXISTS (SELECT 1 FROM {block} b WHERE (b.blocker_id = %(user)s AND b.blocked_id = v.owner_id)
                                               OR (b.blocked_id = %(user)s AND b.blocker_id = v.owner_id))
    AND v.owner_id NOT IN ("""  # noqa: S608
    + out_of_standing_ids_sql()
    + """)
    AND NOT EXISTS (SELECT 1 FROM {mute} mu WHERE mu.muter_id = %(user)s AND mu.muted_id = v.owner_id)
"""
)
_PROFILE_PAGE = (
    """
    SELECT id, kind, subject FROM (
        (SELECT p.id, 'post' AS kind, """  # noqa: S608
    + _POST_SUBJECT
    + """ FROM {post} p WHERE p.author_id = %(author)s AND """
    + _POST_SEEN
    + """ ORDER BY p.id DESC LIMIT %(limit)s)
        UNION ALL
        (SELECT v.id, 'video', v.id FROM {video} v WHERE v.owner_id = %(author)s AND """
    + _VIDEO_SEEN
    + """ ORDER BY v.id DESC LIMIT %(limit)s)
    ) items ORDER BY id DESC LIMIT %(limit)s
"""
)
# The tag's posts and videos come from its range of ``content_hashtagitem`` (the ids carrying
# each tag, kept by triggers: content.models.HashtagItem), newest first, each then tested on its
# own row; the plan is that whatever the tag, so the statement is prepared.
_HASHTAG_PAGE = (
    """
    SELECT id, kind, subject FROM (
        (SELECT p.id, 'post' AS kind, """  # noqa: S608
    + _POST_SUBJECT
    + """ FROM {hashtag_item} t JOIN {post} p ON p.id = t.item_id
            WHERE t.tag = %(tag)s AND t.kind = 'post' AND t.item_id < %(cursor)s
            AND p.moderation_status <> 'limited' AND p.author_id NOT IN ("""
    + out_of_standing_ids_sql()
    + ") AND "
    + _POST_SEEN
    + """ ORDER BY t.item_id DESC LIMIT %(limit)s)
        UNION ALL
        (SELECT v.id, 'video', v.id FROM {hashtag_item} t JOIN {video} v ON v.id = t.item_id
            WHERE t.tag = %(tag)s AND t.kind = 'video' AND t.item_id < %(cursor)s AND """
    + _VIDEO_SEEN
    + """ ORDER BY t.item_id DESC LIMIT %(limit)s)
    ) items ORDER BY id DESC LIMIT %(limit)s
"""
)
_STATEMENTS: dict[str, str] = {}


def _statement(name: str, template: str) -> str:
    if name not in _STATEMENTS:
        tables = _tables()
        _STATEMENTS[name] = _WITH_VIEWER_FLAGS.format(page=template.format(**tables), **tables)
    return _STATEMENTS[name]


def _page_rows(
    name: str, template: str, *, viewer: User | None, cursor, limit: int, prepare: bool = False, **values
) -> list[tuple]:
    params = {"user": viewer.pk if _signed_in(viewer) else None, "cursor": cursor or _MAX_ID, "limit": limit, **values}
    with prepared_cursor(connection) if prepare else connection.cursor() as db:
        db.execute(_statement(name, template), params)
        return list(db.fetchall())


def _author_by_handle(handle, now, viewer=None) -> QuerySet[User]:
    from accounts.selectors import users_with_handle

    found = users_with_handle(handle=handle).filter(is_active=True).filter(users_in_good_standing_q(now=now)).order_by()
    if viewer is not None:
        # The block test (either way) as a column of the same query.
        table, block = User._meta.db_table, Block._meta.db_table
        found = found.annotate(
            x_blocked=RawSQL(  # noqa: S611 (names from the models; the viewer a parameter)
                f"EXISTS (SELECT 1 FROM {block} b WHERE (b.blocker_id = %s AND b.blocked_id = {table}.id)"  # noqa: S608
                f" OR (b.blocked_id = %s AND b.blocker_id = {table}.id))",
                [viewer, viewer],
                output_field=BooleanField(),
            )
        )
    return found[:1]


# The profile feed's author (active, in good standing; for a signed-in viewer with the block test),
# compiled once and prepared (core.compiled): building and compiling the queryset cost more CPU
# than running it. The handle and the time are samples (``handle.lower()`` and the standing
# filter prepare them), the viewer a marker.
_SAMPLES = {"handle": SAMPLES["tag"], "now": SAMPLES["now"]}
AUTHOR_BY_HANDLE = CompiledQuery(_author_by_handle, "handle", "now", samples=_SAMPLES, prepare=True)
AUTHOR_BY_HANDLE_FOR_VIEWER = CompiledQuery(
    _author_by_handle, "handle", "now", "viewer", samples=_SAMPLES, prepare=True
)


def _user_by_handle(*, handle: str, viewer: User | None) -> User:
    values = {"handle": handle.lstrip("@").lower(), "now": timezone.now()}
    if _signed_in(viewer):
        found = AUTHOR_BY_HANDLE_FOR_VIEWER(viewer=viewer.pk, **values)
    else:
        found = AUTHOR_BY_HANDLE(**values)
    author = next(iter(found), None)
    if author is None or getattr(author, "x_blocked", False):
        raise NotFoundError("No such user.", code="user_not_found")
    return author


def feed_profile(
    *, handle: str, viewer: User | None, cursor: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
) -> FeedPage:
    """``handle``'s posts and videos that ``viewer`` may see, newest first; 404
    ``user_not_found`` when there is a block either way."""
    after = cursor_parse(cursor)
    author = _user_by_handle(handle=handle, viewer=viewer)
    # Prepared: one author's newest rows from the (author, -id) index is the plan for any author.
    rows = _page_rows_unblocked(
        "profile", _PROFILE_PAGE, viewer=viewer, cursor=after, limit=page_size + 1, prepare=True, author=author.pk
    )
    return _hydrate(rows, user=viewer, page_size=page_size)


def _page_rows_unblocked(*args, viewer: User | None, **kwargs) -> list[tuple]:
    rows = _page_rows(*args, viewer=viewer, **kwargs)
    if _signed_in(viewer):
        # The statement left out every post whose author, or whose original's author, has a
        # block with the viewer: the serializers (which test originals) need not ask again.
        content_relations.blocked_ids_prime(user=viewer, ids=set())
    return rows


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
    # Prepared: the tag's range of ids, newest first, is the plan for any tag (searching the
    # posts' and videos' tag arrays instead depended on how common the tag was, which PostgreSQL
    # could not estimate, and a generic plan of it ran 10 times slower than planning each page).
    rows = _page_rows_unblocked(
        "hashtag", _HASHTAG_PAGE, viewer=viewer, cursor=after, limit=page_size + 1, prepare=True, tag=name
    )
    return _hydrate(rows, user=viewer, page_size=page_size)


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
