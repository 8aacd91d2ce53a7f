"""core.pg_backend: the pool checks the connection it hands out without a round trip to PostgreSQL,
and still never hands out one PostgreSQL has ended (issue 18)."""

import select
import time

import pytest
from django.db import connection, connections
from psycopg_pool import ConnectionPool

from core.pg_backend.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pooled(monkeypatch):
    """A second database alias over the test database, with a pool of one connection."""
    settings_dict = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}},
    }
    monkeypatch.setitem(connections.settings, "pool_check_test", settings_dict)
    wrapper = connections["pool_check_test"]
    assert isinstance(wrapper, DatabaseWrapper)  # the configured backend is built on core.pg_backend
    yield wrapper
    wrapper.close()
    wrapper.close_pool()
    del connections["pool_check_test"]


@pytest.fixture
def full_checks(monkeypatch):
    """Each time psycopg's own check (an empty statement sent to PostgreSQL) runs."""
    calls = []
    original = ConnectionPool.check_connection

    def counting(conn):
        calls.append(conn.info.backend_pid)
        return original(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counting))
    return calls


def _backend_pid(wrapper) -> int:
    wrapper.connect()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    wrapper.close()  # back to the pool
    return pid


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)


def _wait_readable(wrapper, pid: int) -> None:
    """Until the ended connection's socket has PostgreSQL's goodbye on it (it is sent at once)."""
    conn = next(c for c in wrapper.pool._pool if c.info.backend_pid == pid)
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN)
    assert poller.poll(5000)


def test_a_healthy_connection_is_handed_out_again_without_a_statement(pooled, full_checks):
    first = _backend_pid(pooled)
    second = _backend_pid(pooled)
    third = _backend_pid(pooled)

    assert first == second == third  # the pool's one connection, handed out three times
    assert full_checks == []  # and never checked with a round trip


def test_a_connection_postgresql_ended_is_never_handed_out(pooled, full_checks):
    first = _backend_pid(pooled)
    _terminate(first)
    _wait_readable(pooled, first)

    second = _backend_pid(pooled)

    assert second != first  # a new connection, working (it answered pg_backend_pid())
    assert full_checks == [first]  # the ended one got psycopg's full check, which failed


def test_without_health_checks_the_pool_checks_nothing(pooled, full_checks):
    pooled.settings_dict["CONN_HEALTH_CHECKS"] = False
    first = _backend_pid(pooled)
    assert pooled.pool._check is None
    assert _backend_pid(pooled) == first
    assert full_checks == []


def test_the_check_is_quick(pooled):
    from core.pg_backend.base import check_connection

    _backend_pid(pooled)
    conn = pooled.pool._pool[0]
    started = time.perf_counter()
    for _ in range(1000):
        check_connection(conn)
    assert (time.perf_counter() - started) / 1000 < 0.001  # no round trip: microseconds, not a wait on the server
