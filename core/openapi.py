"""OpenAPI pieces for errors that only some endpoints raise (409, 413, 451, ...).

drf-standardized-errors documents the errors any endpoint can return (400, 401, 403, 404,
405, 415, 429, 500) by itself. An endpoint that raises one of the others declares it::

    @extend_schema(responses={201: VideoSerializer, **error_responses(409, 413)})
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

_DESCRIPTIONS = {
    409: "Conflict with the current state (for example `handle_taken`).",
    413: "The request body is too large (`request_too_large`).",
    415: "The media type is not supported (`unsupported_media`).",
    451: "Not available where the viewer is (`geo_restricted`).",
}


class ClientErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    detail = serializers.CharField(help_text="A sentence for people.")
    attr = serializers.CharField(allow_null=True, help_text="The field at fault, when there is one.")


class ClientErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error"])
    errors = ClientErrorSerializer(many=True)


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(response=ClientErrorResponseSerializer, description=_DESCRIPTIONS.get(code, ""))
        for code in status_codes
    }
