"""Range partitions of the ad event tables: a day each, a week ahead, kept 400 days.

Older days leave the hot tables with ``manage.py ads_archive --older-than`` (rollups keep them).
"""

from dateutil.relativedelta import relativedelta
from psqlextra.partitioning import PostgresCurrentTimePartitioningStrategy, PostgresTimePartitionSize
from psqlextra.partitioning.config import PostgresPartitioningConfig

from ads.models import AdClick, AdImpression

PARTITIONING_CONFIGS = [
    PostgresPartitioningConfig(
        model=model,
        strategy=PostgresCurrentTimePartitioningStrategy(
            size=PostgresTimePartitionSize(days=1), count=7, max_age=relativedelta(days=400)
        ),
    )
    for model in (AdImpression, AdClick)
]
