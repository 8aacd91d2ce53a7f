"""Fan-out of one system announcement to every user, against a bare COPY of the same rows.

In a throwaway database (Django's test-database machinery, named bench_fanfare, dropped at the
end): N users (``BENCH_FANOUT_USERS``, default 100,000) are inserted in one statement, then an
admin's announcement goes through the real service (``announcement_create``, whose task
delivers it in batches, each batch one transaction with its progress). The baseline COPYs the
very rows the service wrote into a table with the same columns, defaults and indexes (the
baseline has no foreign keys, so the service also pays for checking them).
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
    timezone, videos_count, auth_epoch
)
SELECT gen_random_uuid(), now(), now(), '{}', '!', false, 'bench' || g || '@example.com', 'bench_' || g, '',
       true, false, '', '', 0, 0, '[]', 'en', 0, 'UTC', 0, 0
FROM generate_series(1, %s) AS g
"""


def _copy_baseline(columns: list[str]) -> tuple[float, int]:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (LIKE notifications_notification INCLUDING ALL)")
        cursor.execute(f"SELECT {', '.join(columns)} FROM notifications_notification WHERE kind = 'announcement'")  # noqa: S608
        rows = [tuple(Jsonb(v) if isinstance(v, dict | list) else v for v in row) for row in cursor.fetchall()]
        raw = cursor.connection  # psycopg's own connection, for COPY
        started = time.perf_counter()
        with raw.cursor() as pg, pg.copy(f"COPY bench_copy ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_copy")
        return elapsed, cursor.fetchone()[0]


def run() -> dict:
    from notifications.models import Announcement, Notification
    from notifications.services import announcement_create

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_fanfare"
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute(INSERT_USERS, [USERS])

        from config.celery import app

        eager, app.conf.task_always_eager = app.conf.task_always_eager, True
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
        copy_seconds, copied = _copy_baseline(columns)
    finally:
        teardown_databases(old_config, verbosity=0)
    return {
        "name": "notifications_fanout",
        "users": USERS,
        "batch_size": settings.NOTIFICATIONS_ANNOUNCEMENT_BATCH,
        "service": {"seconds": round(service_seconds, 2), "rows_per_second": round(written / service_seconds)},
        "bare_copy": {"seconds": round(copy_seconds, 2), "rows_per_second": round(copied / copy_seconds)},
        "ratio_rows_per_second": round((written / service_seconds) / (copied / copy_seconds), 3),
    }
