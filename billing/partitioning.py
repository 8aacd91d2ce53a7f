"""Range partitions of the ledger, created ahead and never retired (``manage.py pgpartition``).

A partition a month, three months ahead. The ledger is kept for good (no ``max_age``): balances
are sums of lines, and accounting law wants years of history.
"""

from psqlextra.partitioning import PostgresCurrentTimePartitioningStrategy, PostgresTimePartitionSize
from psqlextra.partitioning.config import PostgresPartitioningConfig

from billing.models import JournalEntry, JournalLine

PARTITIONING_CONFIGS = [
    PostgresPartitioningConfig(
        model=model,
        strategy=PostgresCurrentTimePartitioningStrategy(size=PostgresTimePartitionSize(months=1), count=3),
    )
    for model in (JournalEntry, JournalLine)
]
