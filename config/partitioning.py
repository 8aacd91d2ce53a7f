"""The partitioning manager behind ``manage.py pgpartition``.

Each app that owns range-partitioned tables lists their configs in ``<app>/partitioning.py``
as ``PARTITIONING_CONFIGS``; this module gathers them in INSTALLED_APPS order.
"""

import importlib
import importlib.util

from django.apps import apps
from psqlextra.partitioning import PostgresPartitioningManager


def gather_partitioning_configs() -> list:
    configs = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.partitioning"
        if importlib.util.find_spec(module_name) is None:
            continue
        # getattr: some packages (psqlextra itself) have a `partitioning` module of another kind.
        configs.extend(getattr(importlib.import_module(module_name), "PARTITIONING_CONFIGS", []))
    return configs


manager = PostgresPartitioningManager(gather_partitioning_configs())
