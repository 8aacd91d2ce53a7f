"""Who may read a stream's metrics."""

from __future__ import annotations

from typing import Any

from core.errors import NotFoundError
from streaming.models import LiveStream
from streaming.selectors.streams import MODERATING_ROLES, chat_role, stream_get


def stream_get_for_moderation(*, stream_id: Any, user: Any) -> LiveStream:
    """The stream if ``user`` is its owner or a moderator of its chat; 404 otherwise (no leak)."""
    stream = stream_get(stream_id=stream_id)
    if chat_role(stream=stream, user=user) not in MODERATING_ROLES:
        raise NotFoundError("No such stream.")
    return stream
