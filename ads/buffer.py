"""The event buffer between beacons and the writer; which one is a setting (``ADS_EVENT_BUFFER``).

The interface is two methods. ``append(kind, payload)`` is called by the beacon endpoints and
decisions; it must be durable when it returns. ``drain(limit)`` is a context manager that yields
up to ``limit`` events ``(id, kind, payload, received_at)`` in arrival order, inside the
transaction the writer writes them in: when the block exits normally they are gone from the
buffer, when it raises (or the process is killed) they are all still there. That is what makes
the writer lose nothing and count nothing twice.

:class:`PostgresBuffer` keeps the buffer in a table of the same database (the default); at a
rate past what one PostgreSQL takes (docs/ads.md) a Redis Streams or Kafka buffer with a
consumer group implements the same two methods (acknowledging after the sink commits) and the
writer's sink moves to ClickHouse; neither the beacons nor the decisions change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

Event = tuple[int, str, dict[str, Any], Any]


class PostgresBuffer:
    table = "ads_adeventbuffer"

    def append(self, kind: str, payload: dict[str, Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.table} (kind, payload, received_at) VALUES (%s, %s, %s)",  # noqa: S608
                [kind, json.dumps(payload, separators=(",", ":")), timezone.now()],
            )

    def size(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.table}")  # noqa: S608
            return cursor.fetchone()[0]

    @contextlib.contextmanager
    def drain(self, limit: int) -> Iterator[list[Event]]:
        with transaction.atomic(), connection.cursor() as cursor:
            # The batch is chosen once, in a MATERIALIZED CTE: a LIMIT ... SKIP LOCKED subquery inside
            # ``WHERE id IN (...)`` may be evaluated again by the plan and take more than ``limit``.
            # The payload comes back as its JSON text and the arrival time as epoch microseconds
            # (exact): psycopg's jsonb loader and Django's timestamptz loader are Python, and read
            # per row they cost the writer more than its COPY (bench/README.md, ads).
            cursor.execute(
                f"WITH batch AS MATERIALIZED (SELECT id FROM {self.table} ORDER BY id LIMIT %s "  # noqa: S608
                f"FOR UPDATE SKIP LOCKED) DELETE FROM {self.table} AS b USING batch WHERE b.id = batch.id "
                f"RETURNING b.id, b.kind, b.payload::text, (extract(epoch FROM b.received_at) * 1000000)::bigint",
                [limit],
            )
            rows = cursor.fetchall()
            rows.sort()
            loads, times = json.loads, {}
            events = []
            for pk, kind, payload, micros in rows:
                at = times.get(micros)
                if at is None:
                    at = times[micros] = _EPOCH + dt.timedelta(microseconds=micros)
                events.append((pk, kind, loads(payload), at))
            yield events


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@lru_cache(maxsize=4)
def _buffer(path: str):
    return import_string(path)()


def event_buffer():
    return _buffer(settings.ADS_EVENT_BUFFER)
