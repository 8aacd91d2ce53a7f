"""EventBridge API destinations: the shared check of the connection's API key.

EventBridge sends the key configured on its connection in a header
(``X-Fanfare-Events-Token``); each receiver compares it with its own setting.
"""

from __future__ import annotations

import hmac
from typing import Any

from drf_spectacular.utils import OpenApiParameter

from core.errors import ApplicationError, PermissionDeniedError

EVENTS_TOKEN_HEADER = "X-Fanfare-Events-Token"  # noqa: S105 (a header name, not a secret)


def events_token_parameter(setting: str) -> OpenApiParameter:
    """The header in a receiver's OpenAPI description; ``setting`` names the key it must match."""
    return OpenApiParameter(
        EVENTS_TOKEN_HEADER, str, OpenApiParameter.HEADER, required=True,
        description=f"The API key of the EventBridge connection ({setting}).",
    )  # fmt: skip


def event_and_token(request) -> tuple[dict[str, Any], str]:
    """The delivered event (400 ``unsupported_event`` unless a JSON object) and the header's key."""
    if not isinstance(request.data, dict):
        raise ApplicationError("Send the EventBridge event as a JSON object.", code="unsupported_event")
    return request.data, request.headers.get(EVENTS_TOKEN_HEADER, "")


def events_token_check(*, token: str, expected: str) -> None:
    """403 ``invalid_token`` unless ``token`` equals the configured ``expected`` key (compared in
    constant time). An unconfigured key (empty) refuses every event."""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise PermissionDeniedError("The events token is missing or wrong.", code="invalid_token")
