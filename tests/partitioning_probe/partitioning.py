from psqlextra.partitioning import PostgresCurrentTimePartitioningStrategy, PostgresTimePartitionSize
from psqlextra.partitioning.config import PostgresPartitioningConfig

from tests.partitioning_probe.models import ProbeEvent

PARTITIONING_CONFIGS = [
    PostgresPartitioningConfig(
        model=ProbeEvent,
        strategy=PostgresCurrentTimePartitioningStrategy(
            size=PostgresTimePartitionSize(days=1),
            count=3,
            max_age=None,
        ),
    ),
]
