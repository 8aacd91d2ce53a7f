"""Querysets compiled to SQL once, then run with new values: for the hot read paths.

Building a queryset and compiling it (``get_select``, quoting every column name, resolving
joins and expressions) costs more CPU on a typical page than PostgreSQL spends running it: a
few milliseconds for a ``select_related`` of five models. The statement is the same on every
request but for a few values, so :class:`CompiledQuery` builds the queryset once per process
(and database alias) with :class:`Param` markers where the values go, keeps the compiled SQL and
Django's row-to-instance plan (selected columns, converters, related populators,
annotations), and on each call runs the same SQL with the values put in place of the markers,
yielding model instances exactly as iterating the queryset would (same instances, same
``select_related`` caches, same annotations).

A marker must reach the compiled parameters as itself, so it goes where Django passes values
through untouched: ``RawSQL`` parameters (e.g. ``RawSQL('"t"."id" = ANY(%s)', [Param("ids")])``
as a filter). A marker that a field would prepare (``filter(pk=Param(...))``) does not
survive, and compiling then fails loudly rather than run with a wrong value.

Where a value goes through ORM filters that prepare it (``filter(owner_id=...)``, a
``timezone.now()`` inside a shared ``Q`` helper, an ``Exists`` on the viewer's id), a *sample*
stands in for it: ``samples={"now": <an aware datetime no request sends>}`` builds the queryset
with that value, and the compiled parameters equal to it (same type, same value) become the
value's slots. The builder then runs the very ORM code the request path runs, and the compiled
SQL is the one Django would compile for it. Compiling fails loudly when a sample does not reach
the parameters unchanged.

``paged=True`` compiles an unsliced queryset and appends ``LIMIT %s OFFSET %s``: each call then
takes ``limit`` and ``offset`` (a cursor page's slice, which Django would write into the SQL
text and so compile per page size).

``prepare=True`` runs the statement through :func:`prepared_cursor`: PostgreSQL then parses
and plans it once per connection rather than on every request (planning the feeds' hydrating
statement took 1 to 3 ms, running it 0.4 ms). Only for statements whose best plan does not
depend on the values (a primary key, an indexed equality): a prepared statement that has run 5
times may be given one generic plan for all values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Values no request sends, standing in for a request's while a statement is compiled (the
# compiled parameters equal to one of them are where the request's value goes): the samples
# of the hot paths' statements.
SAMPLES: dict[str, Any] = {
    "now": dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC),
    "user_id": uuid.UUID("00000000-0000-0000-0000-5a3b1e000001"),
    "owner_id": uuid.UUID("00000000-0000-0000-0000-5a3b1e000002"),
    "position": uuid.UUID("00000000-0000-0000-0000-5a3b1e000003"),
    "recipient_id": uuid.UUID("00000000-0000-0000-0000-5a3b1e000004"),
    "tag": "\x00sample-tag",
}


class _PreparingCursor(ServerBindingCursor):
    """psycopg's server-binding cursor (values sent apart from the text, as ``$1``...), whose
    statements psycopg prepares on its connection once one has run ``prepare_threshold`` times."""


def prepared_cursor(connection):
    """A cursor of ``connection`` (a Django connection) whose statements PostgreSQL keeps parsed
    and planned for the connection's life, when prepared statements are on
    (``DATABASE_PREPARED_STATEMENTS``, which sets psycopg's ``prepare_threshold``); else the
    connection's ordinary cursor. It is Django's cursor wrapper all the same: execute wrappers,
    query logging and error translation see its statements like any other.

    Use it for hand-written and compiled statements that every request runs with new values,
    and whose plan suits every value (``CompiledQuery(prepare=True)``): a prepared statement
    that has run 5 times may be planned once, generically. The statements of Django's own
    querysets keep client-side binding (``OPTIONS["server_side_binding"]`` stays off)."""
    connection.ensure_connection()
    raw = connection.connection
    if getattr(raw, "prepare_threshold", None) is None:
        return connection.cursor()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_PreparingCursor(raw))


class Param:
    """Where a value goes in a :class:`CompiledQuery`'s statement."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


@dataclass
class _Plan:
    sql: str
    params: list
    slots: list[tuple[int, str]]
    compiler: Any
    converters: dict
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list
    annotations: dict[str, int]


class CompiledQuery:
    """``build(**markers)`` returns the queryset, with a :class:`Param` for each name in
    ``names`` where its value goes; calling the object with those names as keywords runs it."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *names: str,
        using: str = "default",
        samples: dict[str, Any] | None = None,
        paged: bool = False,
        prepare: bool = False,
    ) -> None:
        self._build = build
        self._names = names
        self._using = using
        self._samples = dict(samples or {})
        self._paged = paged
        self._prepare = prepare
        # One plan per process and database alias, whichever connection object compiled it:
        # Django's connection objects are per thread, and its ASGI handler runs each request in
        # a new thread (``ThreadSensitiveContext``), so a plan per connection object was compiled
        # on every request and, its compiler holding the connection, kept forever. The plan's
        # compiler keeps the first connection only to apply the converters, which read the
        # alias's settings (the same for every connection of the alias), never its socket.
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, connection) -> _Plan:
        plan = self._plans.get(connection.alias)
        if plan is not None:
            return plan
        markers = {name: self._samples[name] if name in self._samples else Param(name) for name in self._names}
        queryset = self._build(**markers)
        if queryset._prefetch_related_lookups or queryset._known_related_objects or queryset._fields is not None:
            raise ValueError("CompiledQuery runs plain model querysets (no prefetch, values() or known objects).")
        if self._paged and queryset.query.is_sliced:
            raise ValueError("A paged CompiledQuery compiles an unsliced queryset (the call gives the slice).")
        compiler = queryset.query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        if self._paged:
            sql += " LIMIT %s OFFSET %s"
        params = list(params)
        slots = []
        for position, value in enumerate(params):
            if isinstance(value, Param):
                slots.append((position, value.name))
                continue
            for name, sample in self._samples.items():
                if type(value) is type(sample) and value == sample:
                    slots.append((position, name))
                    break
        if sorted({name for _, name in slots}) != sorted(self._names):
            raise ValueError(f"Some markers did not reach the compiled statement: {slots} for {self._names}.")
        select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        fields = [s[0] for s in select[0 : compiler.col_count]]
        plan = _Plan(
            sql=sql,
            params=params,
            slots=slots,
            compiler=compiler,
            converters=compiler.get_converters(fields),
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, self._using),
            annotations=dict(annotation_col_map or {}),
        )
        with self._lock:
            return self._plans.setdefault(connection.alias, plan)

    def sql(self) -> str:
        """The compiled statement (``%s`` placeholders), for documentation and benchmarks."""
        return self._plan(connections[self._using]).sql

    def __call__(self, *, limit: int | None = None, offset: int = 0, **values: Any) -> Iterator[Model]:
        connection = connections[self._using]
        with prepared_cursor(connection) if self._prepare else connection.cursor() as cursor:
            self.execute(cursor, limit=limit, offset=offset, **values)
            rows = cursor.fetchall()
        yield from self.instances(rows)

    def execute(self, cursor, *, limit: int | None = None, offset: int = 0, **values: Any) -> None:
        """Run the statement with ``values`` on ``cursor`` (a cursor of this alias's connection),
        without reading its rows: in a :func:`pipelined` block it is only sent, and answered with
        the block's other statements. :meth:`instances` then makes the rows into instances."""
        plan = self._plan(connections[self._using])
        params = list(plan.params)
        for position, name in plan.slots:
            params[position] = values[name]
        if self._paged:
            if limit is None:
                raise TypeError("A paged CompiledQuery needs limit= (and offset=).")
            params += [limit, offset]
        cursor.execute(plan.sql, params)

    def instances(self, rows: list) -> Iterator[Model]:
        """The model instances of the statement's ``rows``, as iterating the queryset makes them."""
        plan = self._plan(connections[self._using])
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        db = self._using
        for row in rows:
            obj = plan.model.from_db(db, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            for attr_name, col_pos in plan.annotations.items():
                setattr(obj, attr_name, row[col_pos])
            yield obj


@contextlib.contextmanager
def pipelined(connection) -> Iterator[None]:
    """Send the reads executed inside the block together and get their answers in one round
    trip to PostgreSQL (psycopg's pipeline mode), instead of one round trip each.

    A statement's ``execute`` only sends it; the block's end waits for every answer, so read
    the cursors after the block (``cursor.fetchall()``). Statements whose values depend on an
    earlier one's rows cannot be in the same block. A statement that fails raises at the block's
    end, as Django's error, and the connection stays usable. **Reads only**: outside a
    transaction the block's statements run in one implicit transaction, and a write's error at
    its commit (a deferred foreign key) leaves psycopg's connection stuck in pipeline mode
    (psycopg 3.3). Without pipeline support (libpq before 14) each statement runs as it is
    executed: the same outcome, one round trip each."""
    from psycopg import Pipeline

    connection.ensure_connection()
    if not Pipeline.is_supported():
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield
