"""A synthetic social network for benchmarks, written with PostgreSQL's COPY.

Used by ``manage.py seed_bench`` (and through it by ``bench/bench_home_feed.py``). It writes
users, posts, videos and follows straight into the tables, bypassing services on purpose:
services would take hours at this size, and the rows are exactly what the services would
write (every column through the model field's own default when not set here). Indexes and
constraints of the big tables are dropped before the COPY and rebuilt after it (that is how
a bulk load is done in PostgreSQL: rebuilding an index once is far cheaper than maintaining
it row by row), then counters are recomputed and the tables analysed.

Every id is a UUIDv7 whose timestamp is the row's ``created_at``, as the application's ids are.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, models

# Users the benchmark reads the home feed of: handle -> number of accounts they follow.
PROBES = {"bench_f10": 10, "bench_f200": 200, "bench_f5000": 5000}
BENCH_HANDLE_PREFIX = "bench_"
BENCH_PASSWORD_HASH = "!"  # noqa: S105 (an unusable hash: bench users sign in by sessions the benchmark makes)
WORDS = [
    "ink",
    "sketch",
    "fox",
    "owl",
    "river",
    "light",
    "morning",
    "studio",
    "colour",
    "paper",
    "brush",
    "city",
    "night",
    "train",
    "coffee",
    "music",
    "stream",
    "guitar",
    "garden",
    "bread",
    "travel",
    "mountain",
    "code",
    "film",
    "photo",
    "rain",
    "snow",
    "sea",
    "autumn",
]
TAGS = ["inktober", "art", "music", "travel", "food", "code", "film", "photo", "garden", "news"]


@dataclass(frozen=True)
class Sizes:
    users: int = 100_000
    posts: int = 1_000_000
    follows: int = 10_000_000
    videos: int = 10_000
    days: int = 30


def _uuid7_hex(ms: int, rng: random.Random) -> str:
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return f"{value:032x}"


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict):
        value = json.dumps(value)
    elif isinstance(value, list):
        value = "{" + ",".join(value) + "}"  # an array column (JSON columns are dumped by _Table)
    elif isinstance(value, dt.datetime):
        value = value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class _Table:
    """COPY rows into ``model``'s table: per-row values for some columns, every other column
    from the field's default (computed once)."""

    def __init__(self, model: type[models.Model], varying: list[str], constants: dict | None = None):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        self.columns = [f.column for f in fields]
        constants = constants or {}
        self.template: list[str | None] = []
        self.slots: list[int] = []
        for field in fields:
            if field.column in varying:
                self.slots.append(len(self.template))
                self.template.append(None)
            elif field.column in constants:
                self.template.append(_text(constants[field.column]))
            elif field.has_default() or not field.null:
                default = field.get_default()
                if isinstance(field, models.JSONField):
                    default = json.dumps(default)
                self.template.append(_text(default))
            else:
                self.template.append("\\N")
        order = {column: i for i, column in enumerate(varying)}
        by_column = {field.column: i for i, field in enumerate(fields)}
        self.slot_for = [by_column[column] for column in sorted(order, key=order.get)]

    def copy(self, rows: Iterable[tuple]) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        count = 0
        buffer: list[str] = []
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    line = list(self.template)
                    for slot, value in zip(self.slot_for, row, strict=True):
                        line[slot] = value if isinstance(value, str) and not isinstance(value, bool) else _text(value)
                    buffer.append("\t".join(line))
                    count += 1
                    if len(buffer) >= 20_000:
                        copy.write("\n".join(buffer) + "\n")
                        buffer.clear()
                if buffer:
                    copy.write("\n".join(buffer) + "\n")
        return count


def _without_indexes(tables: list[str], load: Callable[[], None], report: Callable[[str], None]) -> None:
    """Drop the secondary indexes and non-primary-key constraints of ``tables``, run ``load``,
    recreate them exactly (from ``pg_get_indexdef``/``pg_get_constraintdef``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f', 'c', 'x')
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        # Foreign keys from other tables pointing here are untouched (their rows are not loaded here).
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    load()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, definition in indexes:
            started = time.monotonic()
            cursor.execute(definition)
            report(f"  index {name}: {time.monotonic() - started:.1f}s")
        for table, name, definition in constraints:
            started = time.monotonic()
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            report(f"  constraint {name}: {time.monotonic() - started:.1f}s")


def _timeline(count: int, *, start_ms: int, end_ms: int) -> Iterator[int]:
    """``count`` increasing millisecond timestamps spread over [start, end)."""
    span = max(end_ms - start_ms, 1)
    for i in range(count):
        yield start_ms + (span * i) // max(count, 1)


def seed_network(*, sizes: Sizes, seed: int = 7, report: Callable[[str], None] = print) -> dict:
    """Write the network. The database must hold no bench data yet (the command checks)."""
    from accounts.models import User
    from content.models import Post, Video
    from social.models import Follow

    if sizes.users <= max(PROBES.values()):
        raise ValueError(f"at least {max(PROBES.values()) + 1} users are needed for the probe users")
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    now = dt.datetime.now(dt.UTC)
    now_ms = int(now.timestamp() * 1000)
    start_ms = now_ms - sizes.days * 86_400_000
    timings = {}

    # Users: created before everything else, a second apart (ids in creation order).
    started = time.monotonic()
    user_ids: list[str] = []
    probe_handles = list(PROBES)

    def user_rows():
        for i, ms in enumerate(_timeline(sizes.users, start_ms=start_ms - 86_400_000, end_ms=start_ms)):
            uid = _uuid7_hex(ms, rng)
            user_ids.append(uid)
            handle = probe_handles[i] if i < len(probe_handles) else f"{BENCH_HANDLE_PREFIX}{i}"
            created = dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()
            yield (uid, created, created, f"{handle}@bench.invalid", handle, f"Bench user {i}", created)

    users = _Table(
        User,
        ["id", "created_at", "updated_at", "email", "handle", "display_name", "email_verified_at"],
        {"password": BENCH_PASSWORD_HASH},
    )
    users.copy(user_rows())
    timings["users_s"] = round(time.monotonic() - started, 1)
    report(f"users: {sizes.users} in {timings['users_s']}s")

    # Posts: spread over the last ``days`` days, authors uniformly at random; one in ten has a hashtag.
    def post_rows():
        for ms in _timeline(sizes.posts, start_ms=start_ms, end_ms=now_ms - 60_000):
            created = dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()
            words = rng.choices(WORDS, k=6)
            hashtags = []
            if rng.random() < 0.1:
                tag = rng.choice(TAGS)
                words.append(f"#{tag}")
                hashtags = [tag]
            yield (_uuid7_hex(ms, rng), created, created, user_ids[rng.randrange(sizes.users)], " ".join(words),
                   "{" + ",".join(hashtags) + "}")  # fmt: skip

    posts = _Table(Post, ["id", "created_at", "updated_at", "author_id", "text", "hashtags"])
    started = time.monotonic()
    _without_indexes([Post._meta.db_table], lambda: posts.copy(post_rows()), report)
    timings["posts_s"] = round(time.monotonic() - started, 1)
    report(f"posts: {sizes.posts} in {timings['posts_s']}s")

    # Videos: public, ready, playable.
    def video_rows():
        for i, ms in enumerate(_timeline(sizes.videos, start_ms=start_ms, end_ms=now_ms - 60_000)):
            created = dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()
            yield (_uuid7_hex(ms, rng), created, created, user_ids[rng.randrange(sizes.users)], f"Bench video {i}")

    videos = _Table(
        Video,
        ["id", "created_at", "updated_at", "owner_id", "title"],
        {"status": "ready", "visibility": "public", "master_playlist": "master.m3u8", "duration": 30.0},
    )
    started = time.monotonic()
    videos.copy(video_rows())
    timings["videos_s"] = round(time.monotonic() - started, 1)
    report(f"videos: {sizes.videos} in {timings['videos_s']}s")

    # Follows: the probe users follow exactly PROBES[handle] accounts; the rest of the budget is
    # spread evenly over everyone else (each a distinct random sample, never themselves).
    others = sizes.users - len(PROBES)
    budget = max(sizes.follows - sum(PROBES.values()), 0)
    per_user, extra = divmod(budget, others)
    per_user = min(per_user, sizes.users - 1)

    def follow_rows():
        follow_ms = iter(_timeline(sizes.follows, start_ms=start_ms - 3_600_000, end_ms=start_ms))
        fallback = start_ms
        population = range(sizes.users)
        for i in range(sizes.users):
            if i < len(PROBES):
                want = PROBES[probe_handles[i]]
            else:
                want = min(per_user + (1 if i - len(PROBES) < extra else 0), sizes.users - 1)
            chosen = rng.sample(population, want + 1)
            chosen = [j for j in chosen if j != i][:want]
            follower = user_ids[i]
            for j in chosen:
                ms = next(follow_ms, fallback)
                created = dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()
                yield (_uuid7_hex(ms, rng), created, created, follower, user_ids[j])

    follows = _Table(Follow, ["id", "created_at", "updated_at", "follower_id", "followee_id"])
    started = time.monotonic()
    written = {}

    def load_follows():
        written["follows"] = follows.copy(follow_rows())

    _without_indexes([Follow._meta.db_table], load_follows, report)
    timings["follows_s"] = round(time.monotonic() - started, 1)
    report(f"follows: {written['follows']} in {timings['follows_s']}s")

    started = time.monotonic()
    with connection.cursor() as cursor:
        user_table, follow_table = User._meta.db_table, Follow._meta.db_table
        post_table, video_table = Post._meta.db_table, Video._meta.db_table
        cursor.execute(f"""
            UPDATE {user_table} u SET following_count = c.n
            FROM (SELECT follower_id, count(*) AS n FROM {follow_table} GROUP BY follower_id) c
            WHERE u.id = c.follower_id
        """)  # noqa: S608
        cursor.execute(f"""
            UPDATE {user_table} u SET followers_count = c.n
            FROM (SELECT followee_id, count(*) AS n FROM {follow_table} GROUP BY followee_id) c
            WHERE u.id = c.followee_id
        """)  # noqa: S608
        cursor.execute(f"""
            UPDATE {user_table} u SET posts_count = c.n
            FROM (SELECT author_id, count(*) AS n FROM {post_table} GROUP BY author_id) c WHERE u.id = c.author_id
        """)  # noqa: S608
        cursor.execute(f"""
            UPDATE {user_table} u SET videos_count = c.n
            FROM (SELECT owner_id, count(*) AS n FROM {video_table} GROUP BY owner_id) c WHERE u.id = c.owner_id
        """)  # noqa: S608
        for table in (user_table, post_table, video_table, follow_table):
            cursor.execute(f"ANALYZE {table}")
    timings["counters_and_analyze_s"] = round(time.monotonic() - started, 1)
    report(f"counters and ANALYZE in {timings['counters_and_analyze_s']}s")
    return {"users": sizes.users, "posts": sizes.posts, "videos": sizes.videos, "follows": written["follows"],
            **timings}  # fmt: skip
