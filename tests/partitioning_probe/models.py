from django.db import models

from core.models import PartitionedModel


class ProbeEvent(PartitionedModel):
    """Partitioned by day on created_at, like the platform's event tables."""

    name = models.CharField(max_length=50)
