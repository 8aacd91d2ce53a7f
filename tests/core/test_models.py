import time
import uuid

import pytest
from django.db import connection

from accounts.models import User
from core.ids import uuid7
from tests.factories import UserFactory


def test_uuid7_has_version_7_and_the_current_time():
    before_ms = time.time_ns() // 1_000_000

    value = uuid7()

    after_ms = time.time_ns() // 1_000_000
    assert isinstance(value, uuid.UUID)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before_ms <= value.int >> 80 <= after_ms


def test_uuid7_values_strictly_increase_within_a_millisecond():
    values = [uuid7() for _ in range(5000)]

    assert values == sorted(values)
    assert len(set(values)) == len(values)


@pytest.mark.django_db
def test_rows_sort_by_key_in_creation_order():
    created = [UserFactory().id for _ in range(20)]

    assert list(User.objects.order_by("id").values_list("id", flat=True)) == created
    with connection.cursor() as cursor:
        # PostgreSQL's own uuid ordering agrees with Python's (byte order).
        cursor.execute("SELECT id FROM accounts_user ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == created


@pytest.mark.django_db
def test_base_fields_are_set():
    user = UserFactory()

    assert user.created_at is not None
    assert user.updated_at is not None
    assert user.extra_metadata == {}
    assert user.deleted_at is None


@pytest.mark.django_db
def test_soft_delete_hides_the_row_from_the_default_manager_only():
    user = UserFactory()

    user.soft_delete()

    assert user.is_deleted
    assert not User.objects.filter(pk=user.pk).exists()
    assert User.all_objects.filter(pk=user.pk).exists()
    assert User.all_objects.get(pk=user.pk).deleted_at == user.deleted_at


@pytest.mark.django_db
def test_restore_brings_the_row_back():
    user = UserFactory()
    user.soft_delete()

    user.restore()

    assert User.objects.get(pk=user.pk).deleted_at is None


@pytest.mark.django_db
def test_instance_delete_is_soft():
    user = UserFactory()

    user.delete()

    assert User.all_objects.get(pk=user.pk).is_deleted


@pytest.mark.django_db
def test_queryset_delete_is_soft_and_counts_rows():
    users = [UserFactory() for _ in range(3)]
    users[0].soft_delete()

    marked = User.objects.all().delete()

    assert marked == 2
    assert User.objects.count() == 0
    assert User.all_objects.dead().count() == 3


@pytest.mark.django_db
def test_hard_delete_removes_the_row():
    user = UserFactory()
    other = UserFactory()

    user.hard_delete()
    User.all_objects.filter(pk=other.pk).hard_delete()

    assert not User.all_objects.filter(pk__in=[user.pk, other.pk]).exists()
