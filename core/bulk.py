"""Inserting many rows at once with PostgreSQL's COPY, for fan-outs that bulk_create makes slow."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, models


def copy_insert(model: type[models.Model], objects: Iterable[models.Model], *, using: str = "default") -> int:
    """Write ``objects`` (unsaved instances with their primary keys set) with one COPY.

    Each value goes through the field's own ``get_db_prep_save``, as ``bulk_create`` would send
    it; nothing is returned or refreshed. Runs in the caller's transaction. Returns the count.
    """
    connection = connections[using]
    fields = [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    connection.ensure_connection()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's cursor: COPY is not part of the DB-API
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields])
                count += 1
    return count
