"""Range partitions of content's append-only tables, created and retired by ``manage.py pgpartition``."""

from dateutil.relativedelta import relativedelta
from psqlextra.partitioning import PostgresCurrentTimePartitioningStrategy, PostgresTimePartitionSize
from psqlextra.partitioning.config import PostgresPartitioningConfig

from content.models import ViewEvent

PARTITIONING_CONFIGS = [
    # View heartbeats: a partition a day, a week ahead, kept 90 days (the rollups keep the history).
    PostgresPartitioningConfig(
        model=ViewEvent,
        strategy=PostgresCurrentTimePartitioningStrategy(
            size=PostgresTimePartitionSize(days=1),
            count=7,
            max_age=relativedelta(days=90),
        ),
    ),
]
