"""Range partitions of accounts' append-only tables, created and retired by ``manage.py pgpartition``."""

from dateutil.relativedelta import relativedelta
from psqlextra.partitioning import PostgresCurrentTimePartitioningStrategy, PostgresTimePartitionSize
from psqlextra.partitioning.config import PostgresPartitioningConfig

from accounts.models import LoginEvent

PARTITIONING_CONFIGS = [
    # Login history: a partition a month, three months ahead, kept for a year.
    PostgresPartitioningConfig(
        model=LoginEvent,
        strategy=PostgresCurrentTimePartitioningStrategy(
            size=PostgresTimePartitionSize(months=1),
            count=3,
            max_age=relativedelta(months=12),
        ),
    ),
]
