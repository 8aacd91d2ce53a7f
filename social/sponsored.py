"""Sponsored slots in the home feed, filled by a higher app (ads) without social importing it.

The ads app registers a provider in its ``AppConfig.ready()``; the home feed asks it for the
page's slots (one every ``ADS_FEED_SLOT_EVERY`` items): ``provider(request=..., items=...)``
returns ``[{"position": i, ...}]`` (the item index the slot follows and what to show). With no
provider, or when the provider fails, the feed has no slots: an ad never breaks the feed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_providers: list[Callable[..., list[dict[str, Any]]]] = []


def register_home_slots_provider(provider: Callable[..., list[dict[str, Any]]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def home_slots(*, request: Any, items: list[Any]) -> list[dict[str, Any]]:
    slots: list[dict[str, Any]] = []
    for provider in _providers:
        try:
            slots.extend(provider(request=request, items=items))
        except Exception:
            logger.exception("home feed: a sponsored-slot provider failed")
    return slots
