"""The error contract in the OpenAPI schema: which statuses each operation documents, and the codes.

The shape (README, "API conventions"; docs/architecture.md, "Errors")::

    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "<stable code>", "detail": "<for people>", "attr": "<field>" | null}],
     "extra": {...}}                      # only when a service attaches details

- One component per status: ``ErrorResponse404`` (its ``Error404`` items). ``type`` follows the
  status alone: 400 is always ``validation_error``, other 4xx ``client_error``, 5xx ``server_error``.
- ``code`` is documented as an open string, with the codes the API can return under that status
  listed in its description and, for machines, in ``x-error-codes``. An open string and not an
  ``enum``: clients generated from the schema (openapi-generator, orval, ...) turn an enum into a
  closed type and fail to decode a value they do not know, so every new code (billing,
  moderation, ...) would break every client already shipped. Clients branch on the codes they
  know and treat the rest by status.
- The codes come from the code (``core.error_catalogue``), never from a list kept here.
- Statuses: an operation documents what drf-standardized-errors infers (400 for a body or
  query parameters, 401, 403, 404, 405, 406, 415, 429, 500) plus what every operation of its kind
  can answer: 403 on every unsafe method (CSRF for session callers, suspended or banned
  accounts' writes), 413 on every operation with a body, 503 everywhere (a dependency down:
  ``database_unavailable``, ``cache_unavailable``, ``storage_unavailable``, ...). Statuses only some endpoints raise
  (409, 410, 451, 503, ...) are declared by those endpoints::

      @extend_schema(responses={201: VideoSerializer, **error_responses(409, 413)})

The API fuzzer (``tests/contract/test_fuzz_api.py``) fails on any status, shape or code that an
operation returns and its schema does not document.
"""

from __future__ import annotations

import functools

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse
from drf_standardized_errors.openapi import AutoSchema as StandardizedAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ServerErrorEnum, ValidationErrorEnum
from rest_framework import serializers

from core.error_catalogue import error_codes

_DESCRIPTIONS = {
    400: "Invalid input: one entry per problem, `attr` names the field (null for the whole request).",
    401: "Not signed in, or the token or session is no longer valid.",
    403: "Signed in but not allowed (also `csrf_failed` for session callers without the CSRF token).",
    404: "Not found, or not visible to the caller.",
    405: "Method not allowed.",
    406: "No acceptable representation for the `Accept` header.",
    409: "Conflict with the current state (for example `handle_taken`).",
    410: "Gone: the link or resource has expired.",
    413: "The request body is too large (`request_too_large`).",
    415: "The media type is not supported.",
    429: "Too many requests: wait the number of seconds in `Retry-After`.",
    451: "Not available where the viewer is (`geo_restricted`).",
    500: "A fault on our side; the body never carries internals.",
    503: "A service this request needs is not answering; try again shortly (`Retry-After` when known).",
}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _error_type_choices(status_code: int):
    if status_code == 400:
        return ValidationErrorEnum.choices
    return ServerErrorEnum.choices if status_code >= 500 else ClientErrorEnum.choices


@functools.cache
def error_response_serializer(status_code: int) -> type[serializers.Serializer]:
    """The body of an error with ``status_code``: component ``ErrorResponse<status>``."""
    error = type(
        f"Error{status_code}Serializer",
        (serializers.Serializer,),
        {
            "code": serializers.CharField(help_text="Stable, machine-readable code (listed in `x-error-codes`)."),
            "detail": serializers.CharField(help_text="A sentence for people."),
            "attr": serializers.CharField(allow_null=True, help_text="The field at fault, or null."),
            "__module__": __name__,
        },
    )
    return type(
        f"ErrorResponse{status_code}Serializer",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=_error_type_choices(status_code)),
            "errors": error(many=True),
            "extra": serializers.DictField(required=False, help_text="Details some errors carry."),
            "__module__": __name__,
        },
    )


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """Error statuses an endpoint raises beyond the ones every endpoint of its kind documents."""
    return {
        code: OpenApiResponse(response=error_response_serializer(code), description=_DESCRIPTIONS.get(code, ""))
        for code in status_codes
    }


class AutoSchema(StandardizedAutoSchema):
    """drf-standardized-errors' schema, with Fanfare's error contract (see the module docstring)."""

    def _get_allowed_error_status_codes(self) -> list[str]:
        return ["400", "401", "403", "404", "405", "406", "413", "415", "429", "500", "503"]

    def _has_request_body(self) -> bool:
        return self.method in ("PUT", "PATCH", "POST") and self.get_request_serializer() is not None

    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code in responses:
            return False
        if status_code == "400":
            has_query = any(p["in"] == "query" for p in self._get_parameters())
            return self._has_request_body() or has_query or super()._should_add_error_response(responses, "400")
        if status_code == "403" and self.method not in _SAFE_METHODS:
            return True
        if status_code == "413":
            return self._has_request_body()
        if status_code == "503":
            return True  # every operation needs PostgreSQL (database_unavailable) and may need more
        return super()._should_add_error_response(responses, status_code)

    def _get_error_response_serializer(self, status_code: str):
        return error_response_serializer(int(status_code))

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if int(status_code) >= 400 and not response.get("description"):
            response["description"] = _DESCRIPTIONS.get(int(status_code), "")
        return response

    def _get_error_response_examples(self):
        return []


def postprocess_error_codes(result, generator, request, public):
    """List every code of each status on its ``Error<status>`` component (``x-error-codes``)."""
    schemas = result.get("components", {}).get("schemas", {})
    codes = error_codes()
    for status_code, known in codes.items():
        component = schemas.get(f"Error{status_code}")
        if component is None:
            continue
        listed = sorted(known)
        code = component["properties"]["code"]
        code["x-error-codes"] = listed
        code["description"] = (
            "Stable, machine-readable code. Known codes for this status (more may be added; "
            "treat an unknown one by its status): " + ", ".join(f"`{c}`" for c in listed) + "."
        )
    return result


def any_of(*components: str) -> dict:
    """A response that is one of several serializers' shapes where one extends another (the
    owner's view of an object carries the public view's fields and more): ``anyOf`` of their
    components, since ``oneOf`` would reject a body that matches both."""
    return {"anyOf": [{"$ref": f"#/components/schemas/{name}"} for name in components]}


class TimeOfDayFieldExtension(OpenApiSerializerFieldExtension):
    """DRF's ``TimeField`` is a wall-clock time without an offset ("22:00:00"); OpenAPI's
    ``format: time`` means RFC 3339's full-time, which needs one ("22:00:00Z"). Documented as what
    the API sends and takes."""

    target_class = "rest_framework.fields.TimeField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "description": "A time of day, HH:MM or HH:MM:SS, without a time zone.",
        }
