"""An ad beside a live stream, filled by a higher app (ads) without streaming importing it.

The ads app registers a provider in its ``AppConfig.ready()``; ``GET /streams/{id}/`` of a live,
monetized stream asks it for ``sponsored`` (a ``stream_side`` decision with its offer token) for
viewers other than the owner. With no provider, no ad, or a failing provider, the key is left
out: an ad never breaks the stream page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_provider: list[Callable[..., dict[str, Any] | None]] = []


def register_stream_ad_provider(provider: Callable[..., dict[str, Any] | None]) -> None:
    _provider[:] = [provider]


def stream_ad_for(*, request: Any, stream: Any) -> dict[str, Any] | None:
    if not _provider:
        return None
    try:
        return _provider[0](request=request, stream=stream)
    except Exception:
        logger.exception("stream page: the stream ad provider failed")
        return None
