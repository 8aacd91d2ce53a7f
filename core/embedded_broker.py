"""The embedded broker: Celery's messages in tables of Fanfare's own PostgreSQL.

With ``CELERY_BROKER_URL`` unset, tasks go through kombu's SQLAlchemy transport on the database
Fanfare already uses (the embedded PostgreSQL, or ``DATABASE_URL``), so ``make run`` needs no
broker installed. Two changes to kombu's transport, both in this module:

- a worker takes the oldest message with ``FOR UPDATE SKIP LOCKED`` and deletes it (kombu's own
  keeps taken rows forever, marked invisible, and makes concurrent consumers wait on one row lock);
- idle consumers poll every :data:`POLLING_INTERVAL` seconds instead of kombu's 1 s.

What it costs: polling (a few small queries a second per idle worker), no broadcast (``celery
inspect``/``control`` need Redis or RabbitMQ), and a message taken by a worker that is then
killed is gone from the broker: the task outbox (``core.outbox``) sends it again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

SCHEME = "fanfaredb"
POLLING_INTERVAL = 0.2


def broker_url_for(database: dict[str, Any]) -> str:
    """The broker URL of the embedded broker on ``database`` (a ``DATABASES`` entry)."""
    user = quote(database.get("USER") or "", safe="")
    password = quote(database.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    # A DATABASE_URL may name a socket directory in its query (postgres://user@/db?host=/run/pg&port=5432):
    # django-environ puts those in OPTIONS, not HOST and PORT.
    options = database.get("OPTIONS") or {}
    host = database.get("HOST") or options.get("host") or ""
    port = str(database.get("PORT") or options.get("port") or 5432)
    name = database.get("NAME") or ""
    if host.startswith("/"):  # a Unix socket directory (the embedded PostgreSQL)
        return f"{SCHEME}+postgresql+psycopg://{credentials}/{quote(name)}?host={quote(host)}&port={port}"
    return f"{SCHEME}+postgresql+psycopg://{credentials}{host}:{port}/{quote(name)}"
