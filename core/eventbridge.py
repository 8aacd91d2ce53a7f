"""EventBridge API destinations: the shared check of the connection's API key.

EventBridge sends the key configured on its connection in a header
(``X-Fanfare-Events-Token``); each receiver compares it with its own setting.
"""

from __future__ import annotations

import hmac

from core.errors import PermissionDeniedError


def events_token_check(*, token: str, expected: str) -> None:
    """403 ``invalid_token`` unless ``token`` equals the configured ``expected`` key (compared in
    constant time). An unconfigured key (empty) refuses every event."""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise PermissionDeniedError("The events token is missing or wrong.", code="invalid_token")
