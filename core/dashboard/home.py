"""The studio home: the channel at a glance. Core draws the page; each app contributes what it
knows from its ``AppConfig.ready()``, so core imports none of them::

    from core.dashboard import home
    home.register_figures(key="content", provider=content_figures, order=10)
    home.register_panel(key="latest-videos", provider=latest_videos_panel, order=20)
    home.register_attention(key="failed-videos", provider=failed_videos, order=10)

- a figures provider returns ``Figure``s for the period (the last 28 days against the 28 before):
  content gives views and watch time, social gives followers; billing adds members and earnings
  the same way when it lands;
- a panel provider returns a ``Panel`` (a title, the app's template and its context) or None;
- an attention provider returns ``Attention`` items: what the creator should look at now.

A provider that raises is logged and left out: one app's failure does not take the home down.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

logger = logging.getLogger(__name__)

PERIOD_DAYS = 28


@dataclass(frozen=True)
class Period:
    """``start..end`` (inclusive days) and the same number of days just before."""

    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]

    def bounds(self, *, previous: bool = False) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes ``[from, to)`` in the current time zone."""
        first, last = (self.previous_start, self.previous_end) if previous else (self.start, self.end)
        zone = timezone.get_current_timezone()
        return (
            dt.datetime.combine(first, dt.time.min, tzinfo=zone),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )


def period_ending(day: dt.date, *, days: int = PERIOD_DAYS) -> Period:
    start = day - dt.timedelta(days=days - 1)
    return Period(start=start, end=day, previous_start=start - dt.timedelta(days=days),
                  previous_end=start - dt.timedelta(days=1))  # fmt: skip


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    current: float
    previous: float
    kind: str = "count"  # "count", "seconds" (shown as watch time) or "money" (shown as ``shown``)
    note: str = ""
    # For a "money" figure: the current and previous amounts as people read them ("122.47"), and
    # their unit ("USD"), made by the app that owns the money (core does not format currencies).
    shown: str = ""
    previous_shown: str = ""
    unit: str = ""

    @property
    def change(self) -> float | None:
        """Percent change against the previous period; None when there is nothing to compare."""
        if not self.previous:
            return None
        return round(100 * (self.current - self.previous) / self.previous, 1)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    link: tuple[str, str] | None = None  # (label, url) in the panel's head
    wide: bool = False


@dataclass(frozen=True)
class Attention:
    key: str
    text: str
    url: str
    tone: str = "warn"  # "danger", "warn" or "info"
    count: int = 1


_figures: dict[str, tuple[int, Callable[..., list[Figure]]]] = {}
_panels: dict[str, tuple[int, Callable[..., Panel | None]]] = {}
_attention: dict[str, tuple[int, Callable[..., list[Attention]]]] = {}


def register_figures(*, key: str, provider: Callable[..., list[Figure]], order: int = 100) -> None:
    """``provider(*, user, period) -> list[Figure]``."""
    _figures[key] = (order, provider)


def register_panel(*, key: str, provider: Callable[..., Panel | None], order: int = 100) -> None:
    """``provider(*, user, period) -> Panel | None``."""
    _panels[key] = (order, provider)


def register_attention(*, key: str, provider: Callable[..., list[Attention]], order: int = 100) -> None:
    """``provider(*, user) -> list[Attention]``."""
    _attention[key] = (order, provider)


def _collect(registry: dict, **kwargs) -> list:
    results: list = []
    for key, (_order, provider) in sorted(registry.items(), key=lambda item: (item[1][0], item[0])):
        try:
            value = provider(**kwargs)
        except Exception:
            logger.exception("studio home: %s failed", key)
            continue
        if value is None:
            continue
        results.extend(value if isinstance(value, list) else [value])
    return results


def studio_home(*, user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the home shows for ``user``."""
    period = period_ending(today or timezone.localdate())
    return {
        "period": period,
        "figures": _collect(_figures, user=user, period=period),
        "panels": _collect(_panels, user=user, period=period),
        "attention": _collect(_attention, user=user),
    }
