"""Views that fail in each way the API can fail, mounted beside the real URLs for tests."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.errors import ApplicationError, ConflictError, UnavailableForLegalReasonsError
from core.openapi import error_responses


class ProbeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1)


class ValidationProbe(APIView):
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def post(self, request):
        serializer = ProbeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class AuthProbe(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"ok": True})


class Never(BasePermission):
    def has_permission(self, request, view):
        return False


class ForbiddenProbe(APIView):
    permission_classes = [IsAuthenticated, Never]

    def get(self, request):
        return Response({"ok": True})


class ConflictProbe(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={201: None, **error_responses(409, 413)})
    def post(self, request):
        raise ConflictError("This handle is taken.", code="handle_taken", extra={"handle": "ana"})


class GeoProbe(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: None, **error_responses(451)})
    def get(self, request):
        raise UnavailableForLegalReasonsError("Not available in your country.", code="geo_restricted")


class ServiceRuleProbe(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise ApplicationError("Publishing needs a verified email.", code="email_unverified")


class DjangoValidationProbe(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        from django.core.exceptions import ValidationError

        if request.query_params.get("coded"):
            raise ValidationError({"handle": ValidationError("This handle is reserved.", code="handle_reserved")})
        raise ValidationError({"handle": ["Enter a valid handle."]})


class ServiceThrottleProbe(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise ApplicationError(
            "Too many attempts.", code="too_many_attempts", status_code=429, extra={"retry_after": 42}
        )


class OneAMinute(AnonRateThrottle):
    rate = "1/min"
    scope = "probe"


class ThrottleProbe(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [OneAMinute]

    def get(self, request):
        return Response({"ok": True})


class CrashProbe(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals: password=hunter2")


def plain_django_crash(request):
    raise RuntimeError("secret internals: password=hunter2")


class UploadProbe(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        return Response({"keys": sorted(request.data.keys())})


probes = [
    path("validation/", ValidationProbe.as_view()),
    path("auth/", AuthProbe.as_view()),
    path("forbidden/", ForbiddenProbe.as_view()),
    path("conflict/", ConflictProbe.as_view()),
    path("geo/", GeoProbe.as_view()),
    path("rule/", ServiceRuleProbe.as_view()),
    path("django-validation/", DjangoValidationProbe.as_view()),
    path("throttle/", ThrottleProbe.as_view()),
    path("service-throttle/", ServiceThrottleProbe.as_view()),
    path("crash/", CrashProbe.as_view()),
    path("upload/", UploadProbe.as_view()),
    path("plain-crash/", plain_django_crash),
]

urlpatterns = [
    path("api/v1/probes/", include(probes)),
    path("", include("config.urls")),
]
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
