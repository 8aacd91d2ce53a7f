from django.apps import AppConfig


class PartitioningProbeConfig(AppConfig):
    """A test-only app with one range-partitioned table, proving the partitioning wiring."""

    name = "tests.partitioning_probe"
    label = "partitioning_probe"
