"""Counter changes, always ``F()`` in the caller's transaction; never below zero."""

from __future__ import annotations

from typing import Any

from django.db.models import F


def counter_add(*, model: Any, pk: Any, field: str, delta: int) -> None:
    """``field += delta`` on one row (soft-deleted rows too), with ``F()``; a decrement never goes below 0."""
    rows = model._base_manager.filter(pk=pk)
    if delta < 0:
        rows = rows.filter(**{f"{field}__gte": -delta})
    rows.update(**{field: F(field) + delta})


def counter_read(*, model: Any, pk: Any, field: str) -> int:
    return model._base_manager.filter(pk=pk).values_list(field, flat=True).get()
