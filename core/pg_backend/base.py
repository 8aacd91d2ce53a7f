"""Django's PostgreSQL backend, whose connection pool checks a connection without a round trip.

psqlextra's base (``POSTGRES_EXTRA_DB_BACKEND_BASE``) with ``DATABASE_URL`` set; the embedded
server's backend (``core.embedded_backend``) builds on it. Only the pool differs from Django's.

With ``CONN_HEALTH_CHECKS`` on, Django's pool (``DATABASES[...]["OPTIONS"]["pool"]``, psycopg_pool)
checks each connection it hands out with psycopg's ``check_connection``: an empty statement sent
to PostgreSQL and its answer awaited. Every request takes a connection, so every request paid
that round trip: about 0.1 ms of the web process's CPU, 0.05 ms of PostgreSQL's, and a wake-up
of each (issue 18). :func:`check_connection` asks the operating system first. A connection
PostgreSQL ended (a restart, ``pg_terminate_backend``, an idle timeout, the server's crash) has
something to read on its socket: the server's last message, or the end of the stream. An idle
connection in good order has nothing to read and, on psycopg's side, an OK status and no
transaction. When any of these says otherwise, psycopg's own check runs, as before: it raises for
a dead connection (the pool throws it away and hands out another) and reads any stray message
(a notification) of a live one. What neither check sees at once (a server host that vanished
without closing its sockets) is the same for both: the empty statement would wait on it too.
"""

from __future__ import annotations

import select

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper


def check_connection(conn) -> None:
    """Raise if ``conn`` (a psycopg connection idle in the pool) cannot be used; see the module."""
    from psycopg import pq
    from psycopg_pool import ConnectionPool

    pgconn = conn.pgconn
    if (
        conn.closed
        or pgconn.status != pq.ConnStatus.OK
        or pgconn.transaction_status != pq.TransactionStatus.IDLE
        or _readable(pgconn.socket)
    ):
        ConnectionPool.check_connection(conn)


def _readable(fd: int) -> bool:
    poller = select.poll()  # not select.select: a web process's sockets can be numbered above 1024
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class DatabaseWrapper(PostgresDatabaseWrapper):
    @property
    def pool(self):
        """Django's (5.2), with :func:`check_connection` as the pool's check."""
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None

        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            if pool_options is True:
                pool_options = {}
            from psycopg_pool import ConnectionPool

            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True  # as Django's: it sets the mode itself later
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,  # opened on first use, as Django's
                configure=self._configure_connection,
                check=check_connection if self.settings_dict["CONN_HEALTH_CHECKS"] else None,
                **pool_options,
            )
            self._connection_pools.setdefault(self.alias, pool)

        return self._connection_pools[self.alias]
