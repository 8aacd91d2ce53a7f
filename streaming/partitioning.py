"""Range partitions of streaming's append-only tables, created and retired by ``manage.py pgpartition``."""

from dateutil.relativedelta import relativedelta
from psqlextra.partitioning import PostgresCurrentTimePartitioningStrategy, PostgresTimePartitionSize
from psqlextra.partitioning.config import PostgresPartitioningConfig

from streaming.models import StreamViewer

PARTITIONING_CONFIGS = [
    # Viewing sessions: a partition a day, a week ahead, kept 90 days (streams keep their summary).
    PostgresPartitioningConfig(
        model=StreamViewer,
        strategy=PostgresCurrentTimePartitioningStrategy(
            size=PostgresTimePartitionSize(days=1),
            count=7,
            max_age=relativedelta(days=90),
        ),
    ),
]
