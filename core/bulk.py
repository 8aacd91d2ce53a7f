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


def copy_insert_from_template(
    model: type[models.Model],
    template: models.Model,
    rows: Iterable[tuple],
    *,
    fields: tuple[str, ...],
    fresh: tuple[str, ...] = ("id",),
    using: str = "default",
) -> int:
    """Write rows that are all ``template`` (an unsaved instance) but for ``fields`` and
    ``fresh`` (attnames), with one COPY.

    Each row of ``rows`` gives the values of ``fields`` in that order; each ``fresh`` field (the
    id) gets its field's default anew per row. Every value goes through its field's
    ``get_db_prep_save``, as :func:`copy_insert` does, but the template's only once: a fan-out
    of one announcement to every account spent most of its time building a model instance and
    preparing its ~18 values per row (bench/README.md, notifications_fanout). Runs in the
    caller's transaction. Returns the count.
    """
    connection = connections[using]
    concrete = [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]
    by_attname = {field.attname: field for field in concrete}
    renewed = [by_attname[name] for name in fresh]
    varying = [by_attname[name] for name in fields]
    constant = [field for field in concrete if field.attname not in fields and field.attname not in fresh]
    ordered = [*renewed, *varying, *constant]
    constant_values = [field.get_db_prep_save(getattr(template, field.attname), connection) for field in constant]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in ordered)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = [field.get_db_prep_save(field.get_default(), connection) for field in renewed]
            values += [field.get_db_prep_save(value, connection) for field, value in zip(varying, row, strict=True)]
            copy.write_row(values + constant_values)
            count += 1
    return count


def copy_rows(
    model: type[models.Model], attnames: tuple[str, ...], rows: Iterable[tuple], *, using: str = "default"
) -> int:
    """Write ``rows`` (tuples of values for ``attnames``, already what the column takes: str, int,
    float, bool, UUID, datetime, None) with one COPY: no model instance and no per-value
    preparation, for writers of many narrow rows (the ads event writer). Every other concrete
    field gets its default, prepared once (it must not be one that varies per row, such as a
    primary key: name those). Runs in the caller's transaction. Returns the count."""
    connection = connections[using]
    concrete = [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]
    by_attname = {field.attname: field for field in concrete}
    named = [by_attname[name] for name in attnames]
    rest = [field for field in concrete if field.attname not in attnames]
    for field in rest:
        if not field.has_default() and not field.null:
            raise ValueError(f"{model.__name__}.{field.attname} has no default: name it in attnames.")
    rest_values = tuple(field.get_db_prep_save(field.get_default(), connection) for field in rest)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in [*named, *rest])
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row + rest_values)
            count += 1
    return count
