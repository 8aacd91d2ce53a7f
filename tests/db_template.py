"""A migrated template of the test database, so the suite's set-up skips the migrations.

Migrating from scratch takes most of a minute (dj-stripe alone has hundreds of operations).
The first run migrates as usual and then copies the migrated test database to a template
named after a fingerprint of every migration file and the installed apps; later runs create
the test database from that template (``CREATE DATABASE ... TEMPLATE``, a file copy) and let
Django apply whatever is missing (nothing, unless the fingerprint missed a change). Any change
to a migration gives a new fingerprint and a new template; on the embedded server (a Unix
socket of this checkout's own) the old templates are dropped, on a server named by
DATABASE_URL they are left alone (others may be using theirs).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

_PREFIX = "fanfare_tmpl_"


def fingerprint() -> str:
    digest = hashlib.sha256("\n".join(settings.INSTALLED_APPS).encode())
    for app_config in apps.get_app_configs():
        migrations = Path(app_config.path) / "migrations"
        for path in sorted(migrations.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def template_name() -> str:
    return f"{_PREFIX}{fingerprint()}"


def _test_database_name() -> str:
    return connection.creation._get_test_db_name()


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def clone_into_test_database() -> bool:
    """Make a fresh test database from the template; False when there is no template yet."""
    template, test_name = template_name(), _test_database_name()
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        if not _exists(cursor, template):
            return False
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_name)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
    return True


def save_test_database_as_template() -> None:
    """After a migration from scratch: keep the migrated test database as the template."""
    template, test_name = template_name(), connection.settings_dict["NAME"]
    quote = connection.ops.quote_name
    connection.close()
    with connection._nodb_cursor() as cursor:
        if _exists(cursor, template):
            return
        if not settings.DATABASES["default"].get("HOST", "").startswith("/"):
            pass  # a server others may share (DATABASE_URL): their templates are not ours to drop
        else:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{_PREFIX}%"])
            for (stale,) in cursor.fetchall():
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(stale)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(test_name)}")
