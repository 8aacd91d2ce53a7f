"""Fan-out of one system announcement to every user, against a bare COPY of the same rows.

In a throwaway database (Django's test-database machinery, named bench_fanfare, dropped at the
end): N users (``BENCH_FANOUT_USERS``, default 100,000) are inserted in one statement, then an
admin's announcement goes through the real service (``announcement_create``, whose task
delivers it in batches, each batch one transaction with its progress). The baseline COPYs the
very rows the service wrote into a table made to be equal work: a logged (ordinary, not TEMP or
UNLOGGED) table with the same columns, keys, defaults, check constraints and indexes
(``LIKE ... INCLUDING ALL``) and the same foreign keys (copied from the catalogue), written in
the service's batch size (``NOTIFICATIONS_ANNOUNCEMENT_BATCH``), one COPY and one commit per
batch. What the service does beyond that (the audience query per batch, the progress row and
its lock) is its overhead.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases
from psycopg.types.json import Jsonb

USERS = int(os.environ.get("BENCH_FANOUT_USERS", "100000"))

# Every NOT NULL column of accounts_user without a database default.
INSERT_USERS = """
INSERT INTO accounts_user (
    id, created_at, updated_at, extra_metadata, password, is_superuser, email, handle, display_name,
    is_active, is_staff, avatar, bio, followers_count, following_count, links, locale, posts_count,
    timezone, videos_count, auth_epoch, is_private
)
SELECT t.id, now(), now(), '{}', '!', false, 'bench' || t.g || '@example.com', 'bench_' || t.g, '',
       true, false, '', '', 0, 0, '[]', 'en', 0, 'UTC', 0, 0, false
FROM unnest(%s::uuid[]) WITH ORDINALITY AS t(id, g)
"""
# The ids are UUIDv7, made in order, as the accounts' own (core.ids.uuid7): random UUIDs would
# scatter the audience's walk in key order over the whole table (a heap page read per user).

BASELINE_TABLE = "bench_copy_notification"


def _missing_user_columns() -> list[str]:
    """NOT NULL columns of accounts_user without a database default that INSERT_USERS leaves out:
    a new model field then fails here with its name, not with a null-value error mid-run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts_user' "
            "AND is_nullable = 'NO' AND column_default IS NULL"
        )
        required = {row[0] for row in cursor.fetchall()}
    listed = {c.strip() for c in INSERT_USERS.split("(", 1)[1].split(")", 1)[0].split(",")}
    return sorted(required - listed)


def _baseline_table() -> None:
    """A logged copy of the notifications table: LIKE ... INCLUDING ALL (columns, defaults, NOT
    NULL, checks, the primary key and every index), plus the same foreign keys."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        cursor.execute(f"CREATE TABLE {BASELINE_TABLE} (LIKE notifications_notification INCLUDING ALL)")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'notifications_notification'::regclass AND contype = 'f'"
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {BASELINE_TABLE} ADD CONSTRAINT "bench_{name}" {definition}')


def _copy_baseline(columns: list[str], batch: int) -> tuple[float, int]:
    """The service's rows, COPYed into the baseline table ``batch`` rows at a time, each batch
    its own transaction (committed), in recipient order as the service writes them."""
    _baseline_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM notifications_notification "  # noqa: S608
            "WHERE kind = 'announcement' ORDER BY recipient_id"
        )
        rows = [tuple(Jsonb(v) if isinstance(v, dict | list) else v for v in row) for row in cursor.fetchall()]
    raw = connection.connection  # psycopg's own connection, for COPY
    assert raw.autocommit, "the baseline commits each batch itself"
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        sql = f"COPY {BASELINE_TABLE} ({', '.join(columns)}) FROM STDIN"
        with raw.transaction(), raw.cursor() as pg, pg.copy(sql) as copy:
            for row in rows[start : start + batch]:
                copy.write_row(row)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {BASELINE_TABLE}")  # noqa: S608
        return elapsed, cursor.fetchone()[0]


def run() -> dict:
    from notifications.models import Announcement, Notification
    from notifications.services import announcement_create

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_fanfare"
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        missing = _missing_user_columns()
        if missing:
            raise RuntimeError(f"INSERT_USERS must set accounts_user's required columns: {missing}")
        with connection.cursor() as cursor:
            from core.ids import uuid7

            cursor.execute(INSERT_USERS, [[uuid7() for _ in range(USERS)]])
            # Statistics, as a live table has them (autovacuum): without them the planner takes the
            # just-filled table for empty and reads every remaining user per batch.
            cursor.execute("ANALYZE accounts_user")

        from config.celery import app

        eager, app.conf.task_always_eager = app.conf.task_always_eager, True

        # A worker has its Celery app finalized long before a task arrives; this process does it on
        # first use (about a second, registering every task), which is not the fan-out's cost.
        from notifications.tasks import announcement_deliver_task

        assert announcement_deliver_task.app.tasks["notifications.announcement_deliver"]
        # Likewise a web process has imported its broker's transport by its first publish (half a
        # second on the embedded broker, once per process).
        with app.producer_or_acquire():
            pass
        started = time.perf_counter()
        # Outside a transaction the delivery task is queued and, eager, runs at once.
        announcement = announcement_create(title="Fanfare is moving to a new data centre", body="Nothing to do.")
        service_seconds = time.perf_counter() - started
        app.conf.task_always_eager = eager

        announcement = Announcement.objects.get(pk=announcement.pk)
        written = Notification.objects.filter(kind="announcement").count()
        if announcement.status != "done" or written != USERS:
            raise RuntimeError(f"fan-out incomplete: {announcement.status}, {written} of {USERS} written")

        columns = [f.column for f in Notification._meta.concrete_fields]
        copy_seconds, copied = _copy_baseline(columns, settings.NOTIFICATIONS_ANNOUNCEMENT_BATCH)
    finally:
        teardown_databases(old_config, verbosity=0)
    return {
        "name": "notifications_fanout",
        "users": USERS,
        "batch_size": settings.NOTIFICATIONS_ANNOUNCEMENT_BATCH,
        "service": {"seconds": round(service_seconds, 2), "rows_per_second": round(written / service_seconds)},
        "baseline": "logged table, same keys/defaults/indexes/foreign keys, one COPY + commit per batch",
        "bare_copy": {"seconds": round(copy_seconds, 2), "rows_per_second": round(copied / copy_seconds)},
        "ratio_rows_per_second": round((written / service_seconds) / (copied / copy_seconds), 3),
    }
