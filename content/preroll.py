"""A pre-roll for video playback, filled by a higher app (ads) without content importing it.

The ads app registers a provider in its ``AppConfig.ready()``; ``GET /videos/{id}/`` asks it
for ``monetization.preroll`` (a decision with its offer token) on monetized videos. With no
provider, no ad, or a failing provider, the key is left out: an ad never breaks playback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_provider: list[Callable[..., dict[str, Any] | None]] = []


def register_preroll_provider(provider: Callable[..., dict[str, Any] | None]) -> None:
    _provider[:] = [provider]


def preroll_for(*, request: Any, video: Any) -> dict[str, Any] | None:
    if not _provider:
        return None
    try:
        return _provider[0](request=request, video=video)
    except Exception:
        logger.exception("video playback: the pre-roll provider failed")
        return None
