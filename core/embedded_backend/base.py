"""Django's PostgreSQL backend, starting the embedded server before the first connection.

With ``DATABASE_URL`` unset, settings keep ``ENGINE = "psqlextra.backend"`` and make this
module psqlextra's base (``POSTGRES_EXTRA_DB_BACKEND_BASE``). Each process starts (or finds)
the embedded server once, just before its first connection, so commands that never touch
the database never start it. If the server goes away later (stopped, killed), the next
connection attempt starts it again.
"""

from django.conf import settings
from django.db.backends.postgresql.base import Database

from core.embedded_db import DATABASE_NAME, ensure_running
from core.pg_backend.base import DatabaseWrapper as PostgresDatabaseWrapper  # Django's, its pool's check cheaper


def _database() -> str:
    return getattr(settings, "EMBEDDED_DB_NAME", DATABASE_NAME)


class DatabaseWrapper(PostgresDatabaseWrapper):
    _embedded_server_ready = False

    def get_new_connection(self, conn_params):
        if not DatabaseWrapper._embedded_server_ready:
            ensure_running(settings.EMBEDDED_PGDATA, _database())
            DatabaseWrapper._embedded_server_ready = True
        try:
            return super().get_new_connection(conn_params)
        except Database.OperationalError:
            # The server this process found may have been stopped or killed since.
            ensure_running(settings.EMBEDDED_PGDATA, _database())
            return super().get_new_connection(conn_params)
