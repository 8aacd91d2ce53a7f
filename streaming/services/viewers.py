"""Who is watching: viewing sessions (``StreamViewer`` rows) opened, kept alive and closed.

A viewer is a signed-in user (``user:<id>``) or an anonymous client id the player chooses
(``anon:<id>``). Viewers heartbeat every ``HEARTBEAT_SECONDS`` (REST or the chat socket); a
heartbeat extends the open session and adds the time since the previous one (at most
``GONE_AFTER``) to ``watch_seconds``. A viewer unseen for ``GONE_AFTER`` seconds has left at
their last heartbeat; their next heartbeat opens a new session.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, FloatField, Q, Subquery, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import MD5, Cast, Concat
from django.utils import timezone

from core.errors import ApplicationError
from streaming.models import LiveStream, StreamViewer

HEARTBEAT_SECONDS = 15


def gone_after() -> int:
    """Seconds without a heartbeat after which a viewer has left (45 by default)."""
    return getattr(settings, "STREAMING_VIEWER_GONE_AFTER", 45)


_TV = re.compile(
    r"smart-?tv|appletv|apple tv|googletv|android tv|hbbtv|tizen|web0?os|roku|crkey|bravia"
    r"|aftb|aftt|aftm|playstation|xbox",
    re.I,
)
_MOBILE = re.compile(r"mobile|android|iphone|ipad|ipod|windows phone|blackberry", re.I)
_DESKTOP = re.compile(r"windows nt|macintosh|mac os x|x11|linux|cros", re.I)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def device_from_user_agent(user_agent: str) -> str:
    """``tv``, ``mobile``, ``desktop`` or ``other``, from a User-Agent header (coarse on purpose)."""
    ua = user_agent or ""
    if _TV.search(ua):
        return StreamViewer.Device.TV
    if _MOBILE.search(ua):
        return StreamViewer.Device.MOBILE
    if _DESKTOP.search(ua):
        return StreamViewer.Device.DESKTOP
    return StreamViewer.Device.OTHER


def viewer_key_for(*, user: Any = None, client_id: str | None = None) -> str:
    """``user:<id>`` for a signed-in user, else ``anon:<client id>`` (8-64 of [A-Za-z0-9_-])."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if not client_id or not _CLIENT_ID.match(client_id):
        raise ApplicationError(
            "Anonymous viewers send a client_id of 8 to 64 letters, digits, - or _.", code="invalid_client_id"
        )
    return f"anon:{client_id}"


def _open_rows(stream: LiveStream):
    # created_at bounds let PostgreSQL prune the day partitions before the stream existed.
    return StreamViewer.objects.filter(stream=stream, created_at__gte=stream.created_at, left_at__isnull=True)


@transaction.atomic
def viewer_heartbeat(
    *,
    stream: LiveStream,
    viewer_key: str,
    user: Any = None,
    country: str = "",
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> StreamViewer:
    """Note that ``viewer_key`` is watching ``stream`` now: extend their session or open one."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=gone_after())
    rows = list(_open_rows(stream).select_for_update().filter(viewer_key=viewer_key).order_by("-created_at")[:5])
    current = None
    for row in rows:
        if current is None and row.last_seen >= cutoff:
            current = row
        else:
            # Gone too long (or a stray duplicate): the session ended at its last heartbeat.
            StreamViewer.objects.filter(pk=row.pk).update(left_at=row.last_seen)
    if current is not None:
        delta = max(0.0, (now - current.last_seen).total_seconds())
        StreamViewer.objects.filter(pk=current.pk).update(watch_seconds=F("watch_seconds") + delta, last_seen=now)
        current.watch_seconds += delta
        current.last_seen = now
        return current
    return StreamViewer.objects.create(
        stream=stream,
        user=user if user is not None and user.is_authenticated else None,
        viewer_key=viewer_key,
        created_at=now,
        last_seen=now,
        country=(country or "")[:2].upper(),
        device=device_from_user_agent(user_agent),
    )


@dataclass(frozen=True)
class ViewerJoin:
    """One chat socket's viewing session to open or extend (see :func:`viewers_join`)."""

    viewer_key: str
    user: Any = None
    country: str = ""
    user_agent: str = ""
    fresh: bool = False  # a key made up for this socket alone: no earlier session can exist


def viewers_join(*, stream: LiveStream, joins: list[ViewerJoin], now: dt.datetime | None = None) -> None:
    """:func:`viewer_heartbeat` for many viewers at once (the chat sockets that connected to a room
    together): the same outcome as one heartbeat per entry in order, with one locking read of the
    open sessions of every key that may have one and one INSERT for every session opened, in one
    transaction, instead of three statements per viewer.

    When every key was made up for its socket alone (``fresh``), no session can exist yet: the
    INSERT is the only statement, atomic by itself, so it runs without a transaction of its own:
    one round trip to PostgreSQL instead of three (BEGIN, INSERT, COMMIT)."""
    if not joins:
        return
    now = now or timezone.now()
    if all(join.fresh for join in joins):
        rows, seen = [], set()
        for join in joins:
            if join.viewer_key not in seen:
                seen.add(join.viewer_key)
                rows.append(_session(stream=stream, join=join, now=now))
        _sessions_insert(rows)
        return
    with transaction.atomic():
        _viewers_join_known(stream=stream, joins=joins, now=now)


def _session(*, stream: LiveStream, join: ViewerJoin, now: dt.datetime) -> StreamViewer:
    return StreamViewer(
        stream=stream,
        user=join.user if join.user is not None and join.user.is_authenticated else None,
        viewer_key=join.viewer_key,
        created_at=now,
        last_seen=now,
        country=(join.country or "")[:2].upper(),
        device=device_from_user_agent(join.user_agent),
    )


def _sessions_insert(rows: list[StreamViewer]) -> None:
    """One INSERT of ``rows`` (their ids made here, by the model's default), reading nothing
    back. Each column's values go as one array (``unnest``): the statement's text is the same
    whatever the number of rows, so psycopg parses it once (a multi-row VALUES, with a
    parameter per column per row, was parsed anew on every call)."""
    from django.db import connections, router

    connection = connections[router.db_for_write(StreamViewer)]
    quote = connection.ops.quote_name
    fields = [field for field in StreamViewer._meta.concrete_fields if not field.generated]
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"INSERT INTO {quote(StreamViewer._meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608
    params = [[field.get_db_prep_save(field.pre_save(row, True), connection) for row in rows] for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _viewers_join_known(*, stream: LiveStream, joins: list[ViewerJoin], now: dt.datetime) -> None:
    cutoff = now - dt.timedelta(seconds=gone_after())
    known_keys = {join.viewer_key for join in joins if not join.fresh}
    rows_by_key: dict[str, list[StreamViewer]] = {}
    rows = _open_rows(stream).select_for_update().filter(viewer_key__in=known_keys).order_by("-created_at")
    for row in rows:
        rows_by_key.setdefault(row.viewer_key, []).append(row)
    current: dict[str, StreamViewer] = {}
    for key, key_rows in rows_by_key.items():
        for row in key_rows[:5]:  # as viewer_heartbeat: the newest five
            if key not in current and row.last_seen >= cutoff:
                current[key] = row
            else:
                StreamViewer.objects.filter(pk=row.pk).update(left_at=row.last_seen)
    created: list[StreamViewer] = []
    created_keys: set[str] = set()
    for join in joins:
        if join.viewer_key in created_keys:
            continue  # twice in one batch: the second extends the session just opened, by 0 s
        row = current.get(join.viewer_key)
        if row is not None:
            delta = max(0.0, (now - row.last_seen).total_seconds())
            StreamViewer.objects.filter(pk=row.pk).update(watch_seconds=F("watch_seconds") + delta, last_seen=now)
            row.watch_seconds += delta
            row.last_seen = now
            continue
        created.append(_session(stream=stream, join=join, now=now))
        created_keys.add(join.viewer_key)
    if created:
        StreamViewer.objects.bulk_create(created)


@transaction.atomic
def viewer_leave(*, stream: LiveStream, viewer_key: str, now: dt.datetime | None = None) -> int:
    """Close ``viewer_key``'s open session (their chat socket closed). Returns rows closed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=gone_after())
    closed = 0
    for row in _open_rows(stream).select_for_update().filter(viewer_key=viewer_key):
        if row.last_seen >= cutoff:
            delta = max(0.0, (now - row.last_seen).total_seconds())
            StreamViewer.objects.filter(pk=row.pk).update(
                left_at=now, last_seen=now, watch_seconds=F("watch_seconds") + delta
            )
        else:
            StreamViewer.objects.filter(pk=row.pk).update(left_at=row.last_seen)
        closed += 1
    return closed


def viewers_leave(*, stream_id: Any, viewer_keys: list[str], now: dt.datetime | None = None) -> int:
    """:func:`viewer_leave` for many viewers at once (the chat sockets of a room that closed
    together): the same outcome as one ``viewer_leave`` per key at ``now`` (a session seen within
    ``GONE_AFTER`` ends now, its watch seconds extended to now; an older one ended at its last
    heartbeat; a key twice, or with no open session, changes nothing more), in **one UPDATE**
    in autocommit, atomic by itself: no read of the stream (its ``created_at``, which prunes the
    day partitions, is a subquery; a deleted or missing stream closes nothing, as before), no
    locking read, no BEGIN or COMMIT. The keys go as one array, so the statement's text is the
    same whatever their number. Returns the rows closed."""
    if not viewer_keys:
        return 0
    now = now or timezone.now()
    seen = Q(last_seen__gte=now - dt.timedelta(seconds=gone_after()))
    created = LiveStream.objects.filter(pk=stream_id).values("created_at")[:1]
    keys = sorted(set(viewer_keys))
    table, quote = StreamViewer._meta.db_table, connection.ops.quote_name
    # The seconds since the last heartbeat, as viewer_leave's max(0.0, timedelta.total_seconds()):
    # the interval's exact decimal seconds, rounded once to a double, as Python rounds them.
    since = RawSQL("GREATEST(0, EXTRACT(EPOCH FROM (%s - last_seen)))::double precision", (now,))
    return StreamViewer.objects.filter(
        RawSQL(f"{quote(table)}.{quote('viewer_key')} = ANY(%s::text[])", [keys], output_field=BooleanField()),  # noqa: S611 (names from the model; the keys a parameter)
        stream_id=stream_id,
        created_at__gte=Subquery(created),
        left_at__isnull=True,
    ).update(
        left_at=Case(When(seen, then=Value(now)), default=F("last_seen")),
        last_seen=Case(When(seen, then=Value(now)), default=F("last_seen")),
        watch_seconds=Case(
            When(seen, then=F("watch_seconds") + since), default=F("watch_seconds"), output_field=FloatField()
        ),
    )


def viewers_sweep(*, stream: LiveStream, now: dt.datetime | None = None, everyone: bool = False) -> int:
    """Close the sessions unseen for ``GONE_AFTER`` seconds (every open one with ``everyone``)."""
    now = now or timezone.now()
    rows = _open_rows(stream)
    if not everyone:
        rows = rows.filter(last_seen__lt=now - dt.timedelta(seconds=gone_after()))
    return rows.update(left_at=F("last_seen"))


def country_from_headers(meta: dict[str, Any]) -> str:
    """The viewer's country from the header named by ``VIEWER_COUNTRY_HEADER`` (WSGI ``META`` form)."""
    header = "HTTP_" + settings.VIEWER_COUNTRY_HEADER.upper().replace("-", "_")
    value = str(meta.get(header, "") or "").strip().upper()
    return value if re.fullmatch(r"[A-Z]{2}", value) else ""


PURGED_KEY_PREFIX = "anon:purged-"


@transaction.atomic
def viewer_sessions_of_user_anonymise(*, user: Any) -> int:
    """Account purge: every viewing session of ``user`` (any stream, any day partition) keeps its
    row, so the streams' figures (unique viewers, watch time, peaks) come out the same when
    computed again, but no longer says whose it was: ``user`` is set to null, ``viewer_key`` to
    an opaque key (``anon:purged-<32 hex>``: the MD5 of a random salt and the stream's id, so
    the same for all of that user's rows of one stream, which each stream still counts once,
    and unrelated from one stream to another, so the rows cannot be linked back together) and
    ``country`` is blanked. ``device``, times and watch seconds stay. One UPDATE over the
    partitioned table. Returns the number of rows; running it again finds none (the rows no
    longer point at the user) and changes nothing."""
    salt = secrets.token_hex(16)
    salted = Concat(Value(salt), Cast("stream_id", output_field=TextField()), output_field=TextField())
    key = Concat(Value(PURGED_KEY_PREFIX), MD5(salted), output_field=TextField())
    return StreamViewer.objects.filter(user=user).update(user=None, viewer_key=key, country="")
