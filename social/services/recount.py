"""``manage.py recount_social``: rebuild every social counter from the rows it counts.

Each counter is one set-based statement: ``UPDATE <table> t SET col = e.n FROM (SELECT id,
count(...) AS n FROM <table> LEFT JOIN <rows> ... GROUP BY id) e WHERE e.id = t.id AND
t.col <> e.n``; a dry run runs the same comparison as a ``SELECT`` and changes nothing. What a
counter counts is the rule the services keep when they change it with ``F()``:

- posts and videos: ``likes_count`` (likes), ``saves_count`` (saves), ``comments_count`` (live
  comments and replies: not deleted, not removed by moderation);
- posts: ``reposts_count``/``quotes_count`` (reposts/quotes of it that are not deleted);
- comments: ``likes_count`` (likes), ``replies_count`` (live direct replies);
- users: ``followers_count``/``following_count`` (follows), ``posts_count`` (posts and quotes
  not deleted; reposts do not count), ``videos_count`` (videos not deleted).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class Counter:
    table: str
    column: str
    rows: str  # the counted table
    key: str  # the counted table's column that points at the counter's row
    where: str = ""  # a condition on the counted rows (alias ``r``)

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"

    def expected_sql(self) -> str:
        condition = f" AND {self.where}" if self.where else ""
        # Identifiers come from COUNTERS (constants), never from input.
        select = f"SELECT t.id, count(r.{self.key}) AS n FROM {self.table} t"  # noqa: S608
        return f"{select} LEFT JOIN {self.rows} r ON r.{self.key} = t.id{condition} GROUP BY t.id"


_LIVE_COMMENT = "r.deleted_at IS NULL AND r.moderation_status = 'visible'"

COUNTERS = [
    Counter("content_post", "likes_count", "social_like", "post_id"),
    Counter("content_post", "comments_count", "social_comment", "post_id", _LIVE_COMMENT),
    Counter("content_post", "saves_count", "social_save", "post_id"),
    Counter(
        "content_post", "reposts_count", "content_post", "original_id", "r.kind = 'repost' AND r.deleted_at IS NULL"
    ),
    Counter("content_post", "quotes_count", "content_post", "original_id", "r.kind = 'quote' AND r.deleted_at IS NULL"),
    Counter("content_video", "likes_count", "social_like", "video_id"),
    Counter("content_video", "comments_count", "social_comment", "video_id", _LIVE_COMMENT),
    Counter("content_video", "saves_count", "social_save", "video_id"),
    Counter("social_comment", "likes_count", "social_like", "comment_id"),
    Counter("social_comment", "replies_count", "social_comment", "parent_id", _LIVE_COMMENT),
    Counter("accounts_user", "followers_count", "social_follow", "followee_id"),
    Counter("accounts_user", "following_count", "social_follow", "follower_id"),
    Counter("accounts_user", "posts_count", "content_post", "author_id", "r.kind <> 'repost' AND r.deleted_at IS NULL"),
    Counter("accounts_user", "videos_count", "content_video", "owner_id", "r.deleted_at IS NULL"),
]


@dataclass
class Difference:
    counter: str
    rows: int
    examples: list[tuple[str, int, int]]  # (row id, stored, counted)


def recount(*, dry_run: bool = False, examples: int = 5) -> list[Difference]:
    """Compare (``dry_run``) or repair every counter; one transaction. Returns the counters that
    differed: how many rows and a few ``(id, stored, counted)`` examples."""
    found = []
    with transaction.atomic(), connection.cursor() as cursor:
        for counter in COUNTERS:
            expected, table, column = counter.expected_sql(), counter.table, counter.column
            differing = f"SELECT t.id, t.{column}, e.n FROM {table} t JOIN ({expected}) e ON e.id = t.id"  # noqa: S608
            differing += f" WHERE t.{column} <> e.n"
            cursor.execute(f"SELECT id, {column}, n FROM ({differing}) d ORDER BY id LIMIT %s", [examples])  # noqa: S608
            sample = [(str(row_id), stored, counted) for row_id, stored, counted in cursor.fetchall()]
            if not sample:
                continue
            if dry_run:
                cursor.execute(f"SELECT count(*) FROM ({differing}) d")  # noqa: S608
                rows = cursor.fetchone()[0]
            else:
                update = f"UPDATE {table} t SET {column} = e.n FROM ({expected}) e"  # noqa: S608
                cursor.execute(f"{update} WHERE e.id = t.id AND t.{column} <> e.n")
                rows = cursor.rowcount
            found.append(Difference(counter=counter.name, rows=rows, examples=sample))
    return found
