"""Range partitions of the ledger, created ahead and never retired (``manage.py pgpartition``).

A partition a month, three months ahead. The ledger is kept for good (no ``max_age``): balances
are sums of lines, and accounting law wants years of history.

Every partition refuses TRUNCATE as the partitioned tables do: PostgreSQL copies row-level
triggers (the UPDATE/DELETE guard) to partitions but not statement-level ones (the TRUNCATE
guard), and a partition can be truncated on its own. :func:`partitions_guard` gives each
partition that lacks it a statement-level trigger that refuses TRUNCATE, honouring
``pgtrigger.ignore`` of the parent's trigger; it runs in the migration that added the guard and
whenever ``pgpartition`` creates a partition.
"""

from psqlextra.partitioning import PostgresCurrentTimePartitioningStrategy, PostgresTimePartitionSize
from psqlextra.partitioning.config import PostgresPartitioningConfig
from psqlextra.partitioning.time_partition import PostgresTimePartition

from billing.models import JournalEntry, JournalLine

PARTITIONED_TABLES = ("billing_journalentry", "billing_journalline")

PARTITIONS_GUARD_SQL = """
CREATE OR REPLACE FUNCTION billing_partition_no_truncate() RETURNS trigger AS $$
BEGIN
    -- TG_ARGV[0]: the parent's pgtrigger trigger, so pgtrigger.ignore of it covers partitions too.
    IF ("public"._pgtrigger_should_ignore(TG_ARGV[0]) IS TRUE) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'pgtrigger: Cannot truncate rows from ' || TG_TABLE_NAME || ' table';
END;
$$ LANGUAGE plpgsql;

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT child.relname AS partition, parent_trigger.tgname AS parent_trigger
        FROM pg_inherits
        JOIN pg_class child ON child.oid = pg_inherits.inhrelid
        JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
        JOIN pg_trigger parent_trigger
            ON parent_trigger.tgrelid = parent.oid
            AND left(parent_trigger.tgname, 10) = 'pgtrigger_'
            AND (parent_trigger.tgtype & 32) <> 0  -- TRIGGER_TYPE_TRUNCATE
        WHERE parent.relname IN {tables}
          AND NOT EXISTS (
              SELECT 1 FROM pg_trigger existing
              WHERE existing.tgrelid = child.oid AND existing.tgname = 'billing_partition_no_truncate'
          )
    LOOP
        EXECUTE 'CREATE TRIGGER billing_partition_no_truncate BEFORE TRUNCATE ON ' || quote_ident(r.partition)
            || ' FOR EACH STATEMENT EXECUTE FUNCTION billing_partition_no_truncate('
            || quote_literal(r.parent_trigger) || ')';
    END LOOP;
END;
$$;
"""


def partitions_guard_sql() -> str:
    tables = ", ".join(f"'{table}'" for table in PARTITIONED_TABLES)
    return PARTITIONS_GUARD_SQL.replace("{tables}", f"({tables})")


class _GuardedTimePartition(PostgresTimePartition):
    def create(self, model, schema_editor, comment=None) -> None:
        super().create(model, schema_editor, comment)
        schema_editor.execute(partitions_guard_sql())


class _GuardedStrategy(PostgresCurrentTimePartitioningStrategy):
    def to_create(self):
        for partition in super().to_create():
            partition.__class__ = _GuardedTimePartition
            yield partition


PARTITIONING_CONFIGS = [
    PostgresPartitioningConfig(
        model=model,
        strategy=_GuardedStrategy(size=PostgresTimePartitionSize(months=1), count=3),
    )
    for model in (JournalEntry, JournalLine)
]
