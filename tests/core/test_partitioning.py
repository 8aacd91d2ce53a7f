"""The partitioning wiring: a test-only table, partitioned by day, with partitions from pgpartition."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from config.partitioning import gather_partitioning_configs
from tests.partitioning_probe.models import ProbeEvent

pytestmark = pytest.mark.django_db


def partitions_of(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class parent ON pg_inherits.inhparent = parent.oid "
            "JOIN pg_class child ON pg_inherits.inhrelid = child.oid WHERE parent.relname = %s",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def test_each_apps_configs_are_gathered():
    from accounts.models import LoginEvent
    from ads.models import AdClick, AdImpression
    from billing.models import JournalEntry, JournalLine
    from content.models import ViewEvent
    from streaming.models import StreamViewer

    # INSTALLED_APPS order: accounts, content, billing, ads, streaming, then the test-only probe app.
    assert [config.model for config in gather_partitioning_configs()] == [
        LoginEvent,
        ViewEvent,
        JournalEntry,
        JournalLine,
        AdImpression,
        AdClick,
        StreamViewer,
        ProbeEvent,
    ]


def test_the_table_is_range_partitioned_by_created_at():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_class c ON p.partrelid = c.oid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0] WHERE c.relname = %s",
            [ProbeEvent._meta.db_table],
        )
        assert cursor.fetchone() == ("r", "created_at")
    assert [field.name for field in ProbeEvent._meta.pk_fields] == ["id", "created_at"]


def test_pgpartition_created_todays_and_the_next_days_partitions():
    today = timezone.now().date()
    expected = {
        f"{ProbeEvent._meta.db_table}_{(today + dt.timedelta(days=offset)).strftime('%Y_%b_%d').lower()}"
        for offset in range(3)
    }

    assert expected <= partitions_of(ProbeEvent._meta.db_table)


def test_a_row_lands_in_its_days_partition_not_the_default():
    event = ProbeEvent.objects.create(name="probe")

    partition = ProbeEvent.objects.filter(id=event.id).extra(select={"partition": "tableoid::regclass::text"})
    partition = partition.values_list("partition", flat=True).get()
    assert partition == f"{ProbeEvent._meta.db_table}_{event.created_at.strftime('%Y_%b_%d').lower()}"


def test_pgpartition_again_changes_nothing():
    before = partitions_of(ProbeEvent._meta.db_table)

    call_command("pgpartition", "--yes", verbosity=0)

    assert partitions_of(ProbeEvent._meta.db_table) == before
