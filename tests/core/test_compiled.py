"""core.compiled: a queryset compiled once runs with new values and gives what iterating it gives."""

import pytest
from django.db.models import BooleanField, CharField, Value
from django.db.models.expressions import RawSQL

from accounts.models import AuthDevice, User
from core.compiled import CompiledQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _devices(ids, label="x"):
    table = AuthDevice._meta.db_table
    return (
        AuthDevice.objects.filter(RawSQL(f'"{table}"."id" = ANY(%s)', [ids], output_field=BooleanField()))  # noqa: S611
        .select_related("user")
        .annotate(label=Value(label, output_field=CharField()), owner_handle=RawSQL('"accounts_user"."handle"', []))
        .order_by("id")
    )


def _device(user, key):
    return AuthDevice.objects.create(user=user, kind="token", token_key=key, name=key)


def _fields(obj):
    return [getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields]


def test_it_yields_the_instances_the_queryset_yields_with_new_values_each_call():
    first, second = UserFactory(), UserFactory()
    a, b, c = _device(first, "a"), _device(second, "b"), _device(second, "c")
    query = CompiledQuery(lambda ids: _devices(ids), "ids")

    for ids in ([a.pk], [b.pk, c.pk], [a.pk, b.pk, c.pk], []):
        got = list(query(ids=ids))
        want = list(_devices(ids))
        assert [_fields(d) for d in got] == [_fields(d) for d in want]
        # select_related: the user is in the cache, no query; annotations as attributes.
        assert [(_fields(d.user), d.label, d.owner_handle) for d in got] == [
            (_fields(d.user), d.label, d.owner_handle) for d in want
        ]
        assert all(type(d.user) is User for d in got)


def test_it_sees_rows_changed_between_calls():
    user = UserFactory()
    device = _device(user, "k")
    query = CompiledQuery(lambda ids: _devices(ids), "ids")
    assert [d.name for d in query(ids=[device.pk])] == ["k"]

    AuthDevice.objects.filter(pk=device.pk).update(name="renamed")
    User.objects.filter(pk=user.pk).update(handle="renamed_handle")

    (got,) = query(ids=[device.pk])
    assert (got.name, got.user.handle, got.owner_handle) == ("renamed", "renamed_handle", "renamed_handle")
    device.delete()
    assert list(query(ids=[device.pk])) == []


def test_a_marker_that_a_field_would_prepare_is_refused():
    query = CompiledQuery(lambda name: AuthDevice.objects.filter(name=name), "name")

    with pytest.raises(ValueError, match="did not reach"):
        list(query(name="x"))


def test_samples_become_slots_where_fields_prepare_the_value_and_pages_take_limit_and_offset():
    from core.compiled import SAMPLES

    users = sorted((UserFactory() for _ in range(5)), key=lambda user: user.pk)
    by_handle = CompiledQuery(
        lambda owner_id: User.objects.filter(pk__gte=owner_id).order_by("id"), "owner_id", samples=SAMPLES, paged=True
    )
    assert [u.pk for u in by_handle(owner_id=users[1].pk, limit=2, offset=1)] == [users[2].pk, users[3].pk]
    assert [u.pk for u in by_handle(owner_id=users[3].pk, limit=5, offset=0)] == [users[3].pk, users[4].pk]
    User.objects.filter(pk=users[4].pk).delete()
    assert [u.pk for u in by_handle(owner_id=users[3].pk, limit=5, offset=0)] == [users[3].pk]
    with pytest.raises(TypeError):
        list(by_handle(owner_id=users[0].pk))


def test_a_sample_that_does_not_reach_the_parameters_fails_loudly():
    import datetime as dt

    from core.compiled import SAMPLES

    shifted = CompiledQuery(
        lambda now: User.objects.filter(created_at__lte=now - dt.timedelta(days=1)), "now", samples=SAMPLES
    )
    with pytest.raises(ValueError, match="did not reach"):
        list(shifted(now=SAMPLES["now"]))
    sliced = CompiledQuery(lambda now: User.objects.filter(created_at__lte=now)[:5], "now", samples=SAMPLES, paged=True)
    with pytest.raises(ValueError, match="unsliced"):
        list(sliced(now=SAMPLES["now"], limit=1))


@pytest.mark.django_db(transaction=True)
def test_compiled_once_per_process_whatever_thread_runs_it():
    # Django's ASGI handler runs each request in a new thread, with a new connection object: the
    # statement must not be compiled (and kept) again for each.
    import threading

    from django.db import connections
    from django.db.models.sql.compiler import SQLCompiler

    users = [UserFactory() for _ in range(3)]
    by_ids = CompiledQuery(
        lambda ids: User.objects.filter(RawSQL('"accounts_user"."id" = ANY(%s)', [ids], output_field=BooleanField())),
        "ids",
    )
    compiled, found = [], []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(1)
        return as_sql(self, *args, **kwargs)

    def read(user):
        try:
            found.append([u.pk for u in by_ids(ids=[user.pk])])
        finally:
            connections.close_all()

    SQLCompiler.as_sql = counting
    try:
        for user in users:
            thread = threading.Thread(target=read, args=(user,))
            thread.start()
            thread.join()
    finally:
        SQLCompiler.as_sql = as_sql
    assert found == [[user.pk] for user in users]
    assert len(compiled) == 1
    assert len(by_ids._plans) == 1


def _prepared_statements() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_prepared_cursor_prepares_its_statements_and_wrappers_see_every_run():
    from django.conf import settings
    from django.db import connection

    from core.compiled import prepared_cursor

    assert settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] == 5  # DATABASE_PREPARED_STATEMENTS
    user = UserFactory(handle="prepared_probe")
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    sql = "SELECT handle FROM accounts_user WHERE id = %(id)s AND handle <> 'prepared marker'"
    with connection.execute_wrapper(record):
        for _ in range(6):
            with prepared_cursor(connection) as cursor:
                cursor.execute(sql, {"id": user.pk})
                assert cursor.fetchall() == [("prepared_probe",)]
    assert seen == [sql] * 6
    assert [s for s in _prepared_statements() if "prepared marker" in s] == [sql.replace("%(id)s", "$1")]
    # Ordinary cursors keep client-side binding: never prepared.
    for _ in range(6):
        with connection.cursor() as cursor:
            cursor.execute("SELECT handle FROM accounts_user WHERE id = %s AND handle <> 'plain marker'", [user.pk])
    assert not [s for s in _prepared_statements() if "plain marker" in s]


def test_prepared_cursor_is_the_plain_cursor_when_prepared_statements_are_off():
    from django.db import connection

    from core.compiled import prepared_cursor

    user = UserFactory()
    connection.ensure_connection()
    raw = connection.connection
    before = raw.prepare_threshold
    raw.prepare_threshold = None  # what DATABASE_PREPARED_STATEMENTS=false leaves (Django's default)
    try:
        for _ in range(6):
            with prepared_cursor(connection) as cursor:
                cursor.execute("SELECT handle FROM accounts_user WHERE id = %s AND handle <> 'off marker'", [user.pk])
                assert cursor.fetchall() == [(user.handle,)]
    finally:
        raw.prepare_threshold = before
    assert not [s for s in _prepared_statements() if "off marker" in s]


# ---------------------------------------------------------------------------------------------
# pipelined: statements sent together, answered in one round trip
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_statements_sent_in_a_pipeline_give_what_they_give_one_by_one():
    from django.db import connection

    from core.compiled import pipelined

    first, second = UserFactory(), UserFactory()
    a, b = _device(first, "a"), _device(second, "b")
    query = CompiledQuery(lambda ids: _devices(ids), "ids")
    statements = []
    with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
        with pipelined(connection):
            both, one, none = connection.cursor(), connection.cursor(), connection.cursor()
            query.execute(both, ids=[a.pk, b.pk])
            query.execute(one, ids=[b.pk])
            query.execute(none, ids=[])
        assert len(statements) == 3
    got = list(query.instances(both.fetchall()))
    assert [_fields(d) for d in got] == [_fields(d) for d in _devices([a.pk, b.pk])]
    assert [(d.name, d.user.handle, d.label) for d in got] == [("a", first.handle, "x"), ("b", second.handle, "x")]
    assert [d.pk for d in query.instances(one.fetchall())] == [b.pk]
    assert list(query.instances(none.fetchall())) == []
    assert connection.connection.pgconn.pipeline_status == 0  # out of pipeline mode after the block


@pytest.mark.django_db(transaction=True)
def test_a_failing_read_in_a_pipeline_raises_djangos_error_and_the_connection_stays_usable():
    from django.db import DataError, connection

    from core.compiled import pipelined

    def block():
        with pipelined(connection):
            cursor = connection.cursor()
            cursor.execute("SELECT count(*) FROM accounts_user")
            cursor.execute("SELECT 1 / 0")

    with pytest.raises(DataError, match="division by zero"):
        block()
    user = UserFactory()
    assert User.objects.get(pk=user.pk).handle == user.handle
