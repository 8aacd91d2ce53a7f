"""Every open WebSocket of an account, whatever the consumer: one channel-layer group per user.

The chat and notifications consumers join :func:`account_group` when a signed-in user connects
and close with :data:`CLOSE_ACCOUNT` (4409) when the group gets an ``account.close`` message,
after sending ``{"type": "error", "code": ...}`` where their protocol has error frames.
"""

from __future__ import annotations

from typing import Any

from core import side_effects

CLOSE_ACCOUNT = 4409
CLOSE_MESSAGE_TYPE = "account.close"


def account_group(user_id: Any) -> str:
    """The channel-layer group of every WebSocket of one signed-in user."""
    return f"accounts.user.{user_id}"


def user_sockets_close(*, user_id: Any, code: str) -> None:
    """Close every open WebSocket of the user (after commit), e.g. ``code="account_suspended"``."""
    side_effects.group_send(account_group(user_id), {"type": CLOSE_MESSAGE_TYPE, "code": code})
