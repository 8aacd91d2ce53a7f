"""Archiving old ad events: each day partition older than the cut-off is rolled up, written to a
gzipped CSV under ``ADS_ARCHIVE_ROOT`` and dropped (``manage.py ads_archive``)."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ads.services.rollup import stats_rollup

TABLES = ("ads_adimpression", "ads_adclick")
_BOUND = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    day: dt.date
    rows: int


def partitions_older_than(*, days: int, today: dt.date | None = None) -> list[Partition]:
    """Day partitions of the event tables that end before ``today - days``."""
    cutoff = (today or timezone.now().date()) - dt.timedelta(days=days)
    found = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY 1",
                [table],
            )
            for name, bound in cursor.fetchall():
                match = _BOUND.search(bound or "")
                if match is None:
                    continue  # the default partition
                day = dt.date.fromisoformat(match.group(1))
                if day < cutoff:
                    cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 (a name from pg_class)
                    found.append(Partition(table, name, day, cursor.fetchone()[0]))
    return found


def partition_archive(*, partition: Partition) -> Path:
    """Roll the day up, copy the partition to ``<ADS_ARCHIVE_ROOT>/<table>/<day>.csv.gz``, drop it."""
    stats_rollup(day=partition.day)
    target = Path(settings.ADS_ARCHIVE_ROOT) / partition.table / f"{partition.day.isoformat()}.csv.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with transaction.atomic(), connection.cursor() as cursor:
        with (
            gzip.open(target, "wb") as out,
            cursor.cursor.copy(f'COPY "{partition.name}" TO STDOUT WITH (FORMAT csv, HEADER true)') as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        cursor.execute(f'DROP TABLE "{partition.name}"')
    return target
