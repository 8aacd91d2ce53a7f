"""The studio's chart component: one spec, drawn by plotly.js (served from our static files by
``core.static_assets``) with axes, dates, values and tooltips, or an empty state that says why.

Pages build a spec here and render it with ``{% chart spec %}`` (``core/templatetags/studio.py``)::

    spec = time_series(key="views", title="Views per day", days=days, series=[Series("Views", values)],
                       empty="No views in these 28 days yet.")

Video analytics, stream metrics and the studio home use it; billing's earnings and ads' reports
are meant to use it too (money as ``unit="EUR"`` with values in major units for display only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _spec(*, key: str, title: str, kind: str, x: list, x_kind: str, series: Sequence[Series], unit: str,
          y_max: float | None, empty: str) -> dict:  # fmt: skip
    has_data = any(any(value for value in s.values) for s in series)
    return {
        "key": key,
        "title": title,
        "empty": None if has_data else empty,
        "data": {
            "kind": kind,
            "x": x,
            "x_kind": x_kind,
            "unit": unit,
            "y_max": y_max,
            "series": [{"name": s.name, "values": list(s.values)} for s in series],
        },
    }


def time_series(
    *, key: str, title: str, days: Sequence[dt.date], series: Sequence[Series], empty: str, unit: str = "",
    kind: str = "bar",
) -> dict:  # fmt: skip
    """One value per day for each series (bars by default), dates on the x axis."""
    return _spec(key=key, title=title, kind=kind, x=[day.isoformat() for day in days], x_kind="date",
                 series=series, unit=unit, y_max=None, empty=empty)  # fmt: skip


def curve(
    *, key: str, title: str, labels: Sequence[str], series: Sequence[Series], empty: str, unit: str = "",
    y_max: float | None = None,
) -> dict:  # fmt: skip
    """A line over named points (retention: 0%..100% of the video; live viewers: clock times)."""
    return _spec(key=key, title=title, kind="line", x=list(labels), x_kind="category", series=series,
                 unit=unit, y_max=y_max, empty=empty)  # fmt: skip


def bars(*, key: str, title: str, labels: Sequence[str], series: Sequence[Series], empty: str, unit: str = "") -> dict:
    """Bars over named categories (moderation's reports by category and actions by type)."""
    return _spec(key=key, title=title, kind="bar", x=list(labels), x_kind="category", series=series,
                 unit=unit, y_max=None, empty=empty)  # fmt: skip
