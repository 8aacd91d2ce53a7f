"""Login history: monthly partitions, retirement after 12 months, and the user's own list."""

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from psqlextra.partitioning import PostgresTimePartition, PostgresTimePartitionSize
from psqlextra.partitioning.constants import AUTO_PARTITIONED_COMMENT
from rest_framework.test import APIClient

from accounts.models import LoginEvent
from config.partitioning import manager
from tests.accounts.test_auth_login import FIREFOX, CommittingClient, login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HISTORY = "/api/v1/auth/login-history/"
TABLE = LoginEvent._meta.db_table


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def month_start(offset: int) -> datetime:
    now = timezone.now()
    return datetime(now.year, now.month, 1, tzinfo=UTC) + relativedelta(months=offset)


def partition_of(event: LoginEvent) -> str:
    rows = LoginEvent.objects.filter(id=event.id).extra(select={"partition": "tableoid::regclass::text"})
    return rows.values_list("partition", flat=True).get()


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_events_land_in_their_months_partition(offset):
    created_at = month_start(offset) + relativedelta(days=3)

    event = LoginEvent.objects.create(
        email="a@example.com", success=False, reason="invalid_credentials", created_at=created_at
    )

    assert partition_of(event) == f"{TABLE}_{created_at.strftime('%Y_%b').lower()}"


def test_the_table_is_range_partitioned_by_created_at():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_class c ON p.partrelid = c.oid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0] WHERE c.relname = %s",
            [TABLE],
        )
        assert cursor.fetchone() == ("r", "created_at")
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attname = 'ip'",
            [TABLE],
        )
        assert cursor.fetchone() == ("inet",)


def test_pgpartition_plans_to_delete_partitions_older_than_twelve_months():
    size = PostgresTimePartitionSize(months=1)
    with connection.schema_editor() as schema_editor:
        for offset in (-13, -12, -11):
            PostgresTimePartition(size=size, start_datetime=month_start(offset)).create(
                LoginEvent, schema_editor, comment=AUTO_PARTITIONED_COMMENT
            )

    plan = manager.plan(skip_create=True, model_names=["LoginEvent"])

    (model_plan,) = plan.model_plans
    assert model_plan.config.model is LoginEvent
    assert [partition.name() for partition in model_plan.deletions] == [
        month_start(-12).strftime("%Y_%b").lower(),
        month_start(-13).strftime("%Y_%b").lower(),
    ]


def test_pgpartition_keeps_three_months_ahead():
    plan = manager.plan(skip_delete=True, model_names=["LoginEvent"])

    assert plan.model_plans == []  # the current month and the next two exist already
    names = {f"{TABLE}_{month_start(offset).strftime('%Y_%b').lower()}" for offset in range(3)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class parent ON pg_inherits.inhparent = parent.oid "
            "JOIN pg_class child ON pg_inherits.inhrelid = child.oid WHERE parent.relname = %s",
            [TABLE],
        )
        assert names <= {row[0] for row in cursor.fetchall()}


def test_every_attempt_is_recorded_with_ip_and_user_agent(user):
    client = CommittingClient(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.20")
    login(client, user.email.upper(), password="wrong")
    login(client, user.email)
    login(client, "nobody@example.com", password="wrong")

    events = LoginEvent.objects.order_by("id")
    assert [(e.user_id, e.email, e.success, e.reason) for e in events] == [
        (None, user.email.upper(), False, "invalid_credentials"),
        (user.pk, user.email, True, "ok"),
        (None, "nobody@example.com", False, "invalid_credentials"),
    ]
    assert {(e.ip, e.user_agent) for e in events} == {("203.0.113.20", FIREFOX)}


def test_the_owner_sees_their_own_history_newest_first(user):
    client = CommittingClient(HTTP_USER_AGENT=FIREFOX)
    token = login(client, user.email).json()["token"]
    other = UserFactory()
    login(client, other.email)
    first = LoginEvent.objects.get(user=user)
    LoginEvent.objects.create(user=user, email=user.email, success=False, reason="suspended", ip="192.0.2.1")

    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(HISTORY)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["reason"], r["success"]) for r in results] == [("suspended", False), ("ok", True)]
    assert results[1] == {
        "id": str(first.id),
        "created_at": results[1]["created_at"],
        "email": user.email,
        "success": True,
        "reason": "ok",
        "ip": "127.0.0.1",
        "user_agent": FIREFOX,
    }


@pytest.mark.parametrize("page_size", [1, 10])
def test_the_history_pins_its_query_count(user, page_size, django_assert_max_num_queries):
    for _ in range(12):
        LoginEvent.objects.create(user=user, email=user.email, success=False, reason="invalid_credentials")
    client = APIClient()
    client.force_authenticate(user)

    with django_assert_max_num_queries(1):
        response = client.get(HISTORY, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
    assert response.json()["next"] is not None


def test_anonymous_callers_have_no_history():
    response = APIClient().get(HISTORY)

    assert response.status_code == 401


def test_a_bad_cursor_is_refused(user):
    client = APIClient()
    client.force_authenticate(user)

    response = client.get(HISTORY, {"cursor": "garbage"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_cursor"
