"""drf-standardized-errors' handler, taught Fanfare's error type and Django's own errors.

Kept apart from ``core.errors`` so that domain code can import the error types without
loading DRF's request machinery (which imports the authentication classes, which raise them).
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler as StandardExceptionHandler
from rest_framework import exceptions
from rest_framework.fields import get_error_detail

from core.errors import ApplicationAPIException, ApplicationError, PayloadTooLargeError, ServiceUnavailableError


def dependency_down(exc: Exception) -> ApplicationError | None:
    """A dependency that stopped answering is a 503 with a stable code, not a 500.

    - PostgreSQL going away (a restart, a failover, a dropped connection: Django's
      ``OperationalError``/``InterfaceError``): ``database_unavailable``. The next request opens a
      new connection (``CONN_HEALTH_CHECKS``).
    - S3 (or any AWS endpoint boto3 talks to) not answering: ``storage_unavailable``.
    """
    from django.db import InterfaceError, OperationalError

    from core.embedded_db import EmbeddedDatabaseError

    # EmbeddedDatabaseError: the embedded server could not be (re)started (still shutting down).
    if isinstance(exc, OperationalError | InterfaceError | EmbeddedDatabaseError):
        return ServiceUnavailableError(
            "The database is not answering. Try again shortly.",
            code="database_unavailable",
            extra={"retry_after": 5},
        )
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
    except ImportError:  # pragma: no cover (boto3 is a requirement)
        return None
    if isinstance(exc, BotoConnectionError | ConnectTimeoutError | ReadTimeoutError):
        return ServiceUnavailableError(
            "Storage is not answering. Try again shortly.", code="storage_unavailable", extra={"retry_after": 5}
        )
    return None


class ExceptionHandler(StandardExceptionHandler):
    """drf-standardized-errors' handler, taught our error type and Django's own errors."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, ApplicationError):
            return ApplicationAPIException(exc)
        down = dependency_down(exc)
        if down is not None:
            return ApplicationAPIException(down)
        if isinstance(exc, RequestDataTooBig):
            return ApplicationAPIException(PayloadTooLargeError())
        if isinstance(exc, DjangoValidationError):
            # get_error_detail keeps each message's code (Django's ValidationError(code=...)).
            return exceptions.ValidationError(detail=get_error_detail(exc))
        return super().convert_known_exceptions(exc)

    def get_response(self, exc, data):
        response = super().get_response(exc, data)
        if response.status_code == 400:
            # One status, one type (README, "API conventions"): a 400 is a validation error,
            # whether a serializer, a service (ApplicationError) or the parser found the fault.
            response.data["type"] = "validation_error"
        extra = getattr(exc, "extra", None)
        if extra:
            response.data["extra"] = extra
        return response
