"""Inserting many rows at once with PostgreSQL's COPY, for fan-outs that bulk_create makes slow."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, models
from psycopg.adapt import PyFormat
from psycopg.types.json import Json, Jsonb

from core.ids import uuid7


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


def insert_select_from_template(
    model: type[models.Model],
    template: models.Model,
    select: tuple[str, list | tuple],
    *,
    fields: tuple[str, ...],
    max_rows: int,
    using: str = "default",
) -> list[tuple]:
    """Write one row per row of ``select`` (SQL and its parameters, giving the values of
    ``fields`` in that order; it must limit itself to ``max_rows`` rows), each ``template`` (an unsaved instance)
    but for ``fields`` and a fresh UUIDv7 key, with one ``INSERT ... SELECT``.

    For fan-outs whose rows come from a query (an announcement to every account): PostgreSQL
    makes the rows itself, so nothing per row passes through Python or the network but the key
    (the COPY of :func:`copy_insert_from_template` builds, encodes and sends every row). The keys
    are PostgreSQL 18's ``uuidv7()``, or on older servers made here (``core.ids.uuid7``) and sent
    as one array. The template's values are prepared once, as ``bulk_create`` would send them.
    Runs in the caller's transaction. Returns the written rows' ``fields`` values (in no
    particular order).
    """
    connection = connections[using]
    concrete = [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]
    by_attname = {field.attname: field for field in concrete}
    pk = model._meta.pk
    if not isinstance(pk, models.UUIDField):
        raise TypeError(f"{model.__name__}'s primary key is not a UUID")
    varying = [by_attname[name] for name in fields]
    constant = [field for field in concrete if field.attname not in fields and field is not pk]
    quote = connection.ops.quote_name
    sql, params = select
    names = [quote(f"f{i}") for i in range(len(varying))]
    connection.ensure_connection()
    if connection.pg_version >= 180000:
        key, key_params = "uuidv7()", []
    else:  # the n-th selected row takes the n-th key made here
        key, key_params = "(%s::uuid[])[row_number() OVER ()]", [[uuid7() for _ in range(max_rows)]]
    statement = (
        f"WITH s({', '.join(names)}) AS MATERIALIZED ({sql}) "  # noqa: S608 (identifiers quoted, values are parameters)
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in [pk, *varying, *constant])}) "
        f"SELECT {key}, {', '.join(f's.{name}' for name in names)}"
        f"{''.join(', %s' for _ in constant)} FROM s "
        f"RETURNING {', '.join(quote(field.column) for field in varying)}"
    )
    values = [field.get_db_prep_save(getattr(template, field.attname), connection) for field in constant]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *key_params, *values])
        return cursor.fetchall()


def _text_once(value, raw_connection):
    """A JSON value (psycopg's ``Json``/``Jsonb``, what a JSONField prepares) as its text, dumped
    once: in a COPY it would be serialised again for every row (``extra_metadata``'s ``{}``)."""
    if isinstance(value, Json | Jsonb):
        dumper = raw_connection.adapters.get_dumper(type(value), PyFormat.TEXT)(type(value), raw_connection)
        return bytes(dumper.dump(value)).decode()
    return value


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
    columns = ", ".join(connection.ops.quote_name(field.column) for field in [*named, *rest])
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    connection.ensure_connection()
    rest_values = tuple(
        _text_once(field.get_db_prep_save(field.get_default(), connection), connection.connection) for field in rest
    )
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row + rest_values)
            count += 1
    return count
