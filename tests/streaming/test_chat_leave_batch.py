"""Sockets of a room that close together have their viewing sessions closed together: one trip to
the database thread and one UPDATE (``viewers_leave``), with the same rows as one
``viewer_leave`` per socket; a lone disconnect still closes its session; a failed batch is
retried one socket at a time, so no session is left open."""

import asyncio
import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from streaming import consumers
from streaming.models import StreamViewer
from streaming.services import viewers
from tests.streaming.helpers import joined, make_stream, verified_user

db = database_sync_to_async

T0 = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _stream():
    live = make_stream(verified_user())
    live.created_at = T0 - dt.timedelta(hours=1)
    live.save()
    return live


def _rows(stream):
    return sorted(
        (r.viewer_key, r.created_at, r.last_seen, r.left_at, r.watch_seconds, r.user_id)
        for r in StreamViewer.objects.filter(stream=stream)
    )


def _open_count(stream) -> int:
    return StreamViewer.objects.filter(stream=stream, left_at__isnull=True).count()


# ---------------------------------------------------------------------------------------------
# viewers_leave: the same outcome as one viewer_leave per key, in one UPDATE
# ---------------------------------------------------------------------------------------------


def _sessions(stream, user):
    """Open sessions of every kind viewer_leave meets, at the same times on every stream."""
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:watching-1", now=at(0))
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:watching-1", now=at(30.123457))
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:stale-one", now=at(1.5))  # unseen for > 45 s
    viewers.viewer_heartbeat(stream=stream, viewer_key=f"user:{user.pk}", user=user, now=at(40.000001))
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:left-before", now=at(10))
    viewers.viewer_leave(stream=stream, viewer_key="anon:left-before", now=at(20))
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:other-viewer", now=at(50))  # does not leave
    # A stray duplicate: two open sessions of one key, one seen lately and one long ago.
    fresh = viewers.viewer_heartbeat(stream=stream, viewer_key="anon:twice-open", now=at(55.25))
    StreamViewer.objects.create(
        stream=stream, viewer_key="anon:twice-open", created_at=at(2), last_seen=at(3), watch_seconds=1.0
    )
    return fresh


@pytest.mark.django_db
def test_viewers_leave_equals_one_viewer_leave_per_key_in_one_update(settings):
    settings.STREAMING_VIEWER_GONE_AFTER = 45
    user = verified_user()
    batch_stream, single_stream = _stream(), _stream()
    for stream in (batch_stream, single_stream):
        _sessions(stream, user)
    keys = [
        "anon:watching-1",
        "anon:stale-one",
        f"user:{user.pk}",
        "anon:left-before",  # already left: nothing
        "anon:never-seen",  # no session: nothing
        "anon:twice-open",
        "anon:watching-1",  # twice in one batch: closed once
    ]

    with CaptureQueriesContext(connection) as queries:
        closed = viewers.viewers_leave(stream_id=batch_stream.pk, viewer_keys=keys, now=at(60.5))
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith('UPDATE "streaming_streamviewer"')
    single_closed = sum(viewers.viewer_leave(stream=single_stream, viewer_key=k, now=at(60.5)) for k in keys)

    assert closed == single_closed == 5
    assert _rows(batch_stream) == _rows(single_stream)
    rows = {(r[0], r[1]): r[2:5] for r in _rows(batch_stream)}
    assert rows[("anon:watching-1", at(0))] == (at(60.5), at(60.5), 60.5)
    assert rows[("anon:stale-one", at(1.5))] == (at(1.5), at(1.5), 0.0)  # ended at its last heartbeat
    assert rows[(f"user:{user.pk}", at(40.000001))] == (at(60.5), at(60.5), 20.499999)
    assert rows[("anon:left-before", at(10))] == (at(20), at(20), 10.0)
    assert rows[("anon:other-viewer", at(50))] == (at(50), None, 0.0)
    assert rows[("anon:twice-open", at(55.25))] == (at(60.5), at(60.5), 5.25)
    assert rows[("anon:twice-open", at(2))] == (at(3), at(3), 1.0)


@pytest.mark.django_db
def test_viewers_leave_of_a_deleted_stream_or_no_keys_closes_nothing(django_assert_num_queries):
    user = verified_user()
    stream = _stream()
    _sessions(stream, user)
    with django_assert_num_queries(0):
        assert viewers.viewers_leave(stream_id=stream.pk, viewer_keys=[], now=at(60)) == 0
    stream.soft_delete()
    assert viewers.viewers_leave(stream_id=stream.pk, viewer_keys=["anon:watching-1"], now=at(60)) == 0
    assert _open_count(stream) == 6


# ---------------------------------------------------------------------------------------------
# Sockets: one trip for the sockets that close together
# ---------------------------------------------------------------------------------------------


def _count_trips(monkeypatch, *, fail_batches: bool = False, fail_key: str | None = None) -> list[list[str]]:
    trips: list[list[str]] = []
    original = consumers._leave_many

    async def counting(stream_id, viewer_keys):
        trips.append(list(viewer_keys))
        if fail_batches and len(viewer_keys) > 1:
            raise RuntimeError("the batch failed")
        if fail_key is not None and fail_key in viewer_keys:
            raise RuntimeError(f"{fail_key} failed")
        return await original(stream_id, viewer_keys)

    monkeypatch.setattr(consumers, "_leave_many", counting)
    return trips


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_sessions_of_sockets_closing_together_are_closed_in_one_trip_and_one_statement(monkeypatch):
    stream = await db(make_stream)(await db(verified_user)())
    keys = [f"anon:together-{i:02d}" for i in range(30)]
    for key in keys:
        await db(viewers.viewer_heartbeat)(stream=stream, viewer_key=key)
    trips = _count_trips(monkeypatch)
    captured = []
    original = viewers.viewers_leave

    def capturing(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            closed = original(**kwargs)
        captured.append((len(queries.captured_queries), closed))
        return closed

    monkeypatch.setattr(viewers, "viewers_leave", capturing)

    await asyncio.gather(*(consumers._leave(str(stream.pk), key) for key in keys))

    assert [sorted(trip) for trip in trips] == [keys]
    assert captured == [(1, 30)]
    assert await db(_open_count)(stream) == 0
    assert consumers._leaving == {}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_mixed_batch_of_closing_sockets_closes_every_session_with_its_watch_time(monkeypatch):
    owner, member = await db(verified_user)(), await db(verified_user)()
    stream = await db(make_stream)(owner)
    sockets = await asyncio.gather(
        *(joined(stream, query=f"client_id=leaving-client-{i}") for i in range(4)),
        *(joined(stream) for _ in range(4)),  # anonymous, no client_id: a key of the socket's own
        joined(stream, member),
    )
    assert await db(_open_count)(stream) == 9
    trips = _count_trips(monkeypatch)

    await asyncio.gather(*(communicator.disconnect() for communicator, _ in sockets))

    assert sum(len(trip) for trip in trips) == 9
    assert len(trips) < 9  # together: fewer trips than sockets
    rows = await db(lambda: list(StreamViewer.objects.filter(stream=stream)))()
    assert len(rows) == 9
    assert {row.viewer_key for row in rows} >= {f"anon:leaving-client-{i}" for i in range(4)} | {f"user:{member.pk}"}
    for row in rows:  # each ended when its socket closed, watched from its join until then
        assert row.left_at == row.last_seen
        assert row.left_at >= row.created_at
        assert row.watch_seconds == (row.left_at - row.created_at).total_seconds()
    assert consumers._leaving == {}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_lone_disconnect_closes_its_session_in_one_trip(monkeypatch):
    stream = await db(make_stream)(await db(verified_user)())
    keeper, _ = await joined(stream, query="client_id=keeper-client")
    lone, _ = await joined(stream, query="client_id=lone-client-1")
    trips = _count_trips(monkeypatch)

    await lone.disconnect()

    assert trips == [["anon:lone-client-1"]]
    row = await db(StreamViewer.objects.get)(stream=stream, viewer_key="anon:lone-client-1")
    assert row.left_at == row.last_seen
    assert row.watch_seconds == (row.left_at - row.created_at).total_seconds()
    keeper_row = await db(StreamViewer.objects.get)(stream=stream, viewer_key="anon:keeper-client")
    assert keeper_row.left_at is None
    await keeper.disconnect()
    assert await db(_open_count)(stream) == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_failed_batch_is_retried_one_socket_at_a_time_and_leaves_no_session_open(monkeypatch):
    owner = await db(verified_user)()
    stream = await db(make_stream)(owner)
    sockets = await asyncio.gather(
        *(joined(stream, query=f"client_id=retried-client-{i}") for i in range(5)), joined(stream, owner)
    )
    trips = _count_trips(monkeypatch, fail_batches=True)

    await asyncio.gather(*(communicator.disconnect() for communicator, _ in sockets))

    assert await db(_open_count)(stream) == 0
    batches = [trip for trip in trips if len(trip) > 1]
    assert batches  # at least one batch failed ...
    assert sorted(key for trip in trips if len(trip) == 1 for key in trip) == sorted(
        [f"anon:retried-client-{i}" for i in range(5)] + [f"user:{owner.pk}"]
    )  # ... and every socket was closed on its own once
    assert consumers._leaving == {}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_whose_own_close_fails_gets_its_error_and_the_others_are_closed(monkeypatch):
    stream = await db(make_stream)(await db(verified_user)())
    keys = [f"anon:own-error-{i}" for i in range(4)]
    for key in keys:
        await db(viewers.viewer_heartbeat)(stream=stream, viewer_key=key)
    trips = _count_trips(monkeypatch, fail_key="anon:own-error-2")

    outcomes = await asyncio.gather(*(consumers._leave(str(stream.pk), key) for key in keys), return_exceptions=True)

    assert [type(outcome).__name__ for outcome in outcomes] == ["NoneType", "NoneType", "RuntimeError", "NoneType"]
    assert [sorted(trip) for trip in trips] == [keys, *([key] for key in keys)]
    open_keys = await db(
        lambda: list(
            StreamViewer.objects.filter(stream=stream, left_at__isnull=True).values_list("viewer_key", flat=True)
        )
    )()
    assert open_keys == ["anon:own-error-2"]
    assert consumers._leaving == {}
