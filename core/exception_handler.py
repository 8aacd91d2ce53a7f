"""drf-standardized-errors' handler, taught Fanfare's error type and Django's own errors.

Kept apart from ``core.errors`` so that domain code can import the error types without
loading DRF's request machinery (which imports the authentication classes, which raise them).
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler as StandardExceptionHandler
from rest_framework import exceptions
from rest_framework.fields import get_error_detail

from core.errors import ApplicationAPIException, ApplicationError, PayloadTooLargeError


class ExceptionHandler(StandardExceptionHandler):
    """drf-standardized-errors' handler, taught our error type and Django's own errors."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, ApplicationError):
            return ApplicationAPIException(exc)
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
