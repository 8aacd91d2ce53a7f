"""One error type for the whole platform, and one JSON shape for every error the API returns.

Services raise :class:`ApplicationError` (or a subclass) with a stable, machine-readable
``code``. The API renders it, like every other error, in drf-standardized-errors' shape::

    {"type": "client_error", "errors": [{"code": "conflict", "detail": "...", "attr": null}]}

``type`` is ``validation_error`` (400, one entry per field, ``attr`` names the field),
``client_error`` (4xx) or ``server_error`` (500, never with internals).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status


class ApplicationError(Exception):
    """A rule of the platform was broken. ``code`` is stable; ``message`` is for people."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code: str = "invalid"
    default_message: str = "The request cannot be carried out."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        if status_code is not None:
            self.status_code = status_code
        self.extra = extra or {}
        super().__init__(self.message)


class NotFoundError(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_message = "Not found."


class PermissionDeniedError(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class ConflictError(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_message = "The request conflicts with the current state of the resource."


class PayloadTooLargeError(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_message = "The request body is too large."


class UnsupportedMediaError(ApplicationError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media"
    default_message = "The media type of this request is not supported."


class ServiceUnavailableError(ApplicationError):
    """A service this platform depends on (storage, a provider) does not answer; try again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_message = "A service this request needs is not answering. Try again shortly."


class UnavailableForLegalReasonsError(ApplicationError):
    status_code = status.HTTP_451_UNAVAILABLE_FOR_LEGAL_REASONS
    default_code = "unavailable_for_legal_reasons"
    default_message = "This content is not available where you are."


class ApplicationAPIException(exceptions.APIException):
    """The API face of an :class:`ApplicationError`."""

    def __init__(self, error: ApplicationError) -> None:
        self.status_code = error.status_code
        self.extra = error.extra
        # Seconds to wait, sent as Retry-After (drf-standardized-errors reads ``wait``).
        self.wait = error.extra.get("retry_after")
        super().__init__(detail=error.message, code=error.code)


# drf-standardized-errors' text for a 500; Django's own 500 handler says the same.
SERVER_ERROR_DETAIL = "Server Error (500)"


def error_body(*, status_code: int, code: str, detail: str) -> dict[str, Any]:
    """The error shape, for responses made outside DRF (Django's 404/500 handlers, middleware)."""
    error_type = "server_error" if status_code >= 500 else "validation_error" if status_code == 400 else "client_error"
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}
