"""Profiles, account deletion and data exports under /api/v1/accounts/. Thin: parse, call, render."""

from __future__ import annotations

import uuid

from django.contrib.auth import logout
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.profile_serializers import (
    AccountDeleteSerializer,
    AvatarUploadSerializer,
    DataExportSerializer,
    OwnProfileSerializer,
    ProfileUpdateSerializer,
    PublicProfileSerializer,
)
from accounts.services.export import ExportRateLimitedError, data_export_for_download
from core.errors import NotFoundError
from core.openapi import error_responses
from core.pagination import CursorPagination

_PROFILE_EXAMPLE = {
    "handle": "ana",
    "display_name": "Ana Lima",
    "bio": "Drawing every day.",
    "links": [{"label": "Portfolio", "url": "https://ana.example.com"}],
    "avatar_url": "https://cdn.example.com/avatars/2026/11/3f2a.webp",
    "created_at": "2026-11-24T20:42:28Z",
    "followers_count": 120,
    "following_count": 35,
    "posts_count": 12,
    "videos_count": 4,
}
_OWN_PROFILE_EXAMPLE = {
    "id": "01936a1e-8b1c-7cc0-9d41-2b7f0c1a9e55",
    "email": "ana@example.com",
    **_PROFILE_EXAMPLE,
    "locale": "pt-BR",
    "timezone": "America/Sao_Paulo",
}
_EXPORT_EXAMPLE = {
    "id": "01936a20-0f00-7a6b-8c3d-5e4f3a2b1c0d",
    "status": "ready",
    "created_at": "2026-11-24T20:42:28Z",
    "expires_at": "2026-12-01T20:43:02Z",
    "download_url": "https://fanfare.example.com/api/v1/accounts/me/export/01936a20-0f00-7a6b-8c3d-5e4f3a2b1c0d/download/?token=...",
}


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="accounts_me_retrieve",
        summary="Your own profile",
        responses={200: OwnProfileSerializer},
        examples=[OpenApiExample("Own profile", value=_OWN_PROFILE_EXAMPLE, response_only=True)],
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        return Response(OwnProfileSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        operation_id="accounts_me_partial_update",
        summary="Change your profile",
        description="Every field is optional; unknown fields (email and handle among them) are ignored.",
        request=ProfileUpdateSerializer,
        responses={200: OwnProfileSerializer},
        examples=[
            OpenApiExample(
                "Change bio and time zone",
                value={"bio": "Drawing every day.", "timezone": "America/Sao_Paulo"},
                request_only=True,
            )
        ],
        tags=["accounts"],
    )
    def patch(self, request: Request) -> Response:
        # Every field is optional already; partial=True would also waive the fields a link requires.
        serializer = ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.profile_update(user=request.user, **serializer.validated_data)
        return Response(OwnProfileSerializer(user, context={"request": request}).data)

    @extend_schema(
        operation_id="accounts_me_destroy",
        summary="Delete your account",
        description=(
            'Body `{"password": "..."}`. OpenAPI 3.0 cannot describe a DELETE body, so clients generated '
            "from this schema use the same operation as `POST /accounts/me/deletion/`. "
            "Confirmed by your password (wrong: 400 `invalid_password`). The account is closed at once and "
            "every session and token revoked; logging in within `ACCOUNT_DELETION_GRACE_DAYS` restores it, "
            "after that it is purged. An email says until when."
        ),
        request=AccountDeleteSerializer,
        responses={204: None},
        examples=[OpenApiExample("Confirm", value={"password": "my password"}, request_only=True)],
        tags=["accounts"],
    )
    def delete(self, request: Request) -> Response:
        return _account_delete(request)


def _account_delete(request: Request) -> Response:
    serializer = AccountDeleteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.account_delete(user=request.user, password=serializer.validated_data["password"])
    logout(request._request)  # the current session, if the request came with one
    return Response(status=status.HTTP_204_NO_CONTENT)


class MeDeletionView(APIView):
    """``DELETE /accounts/me/`` as a POST, whose body OpenAPI 3.0 can describe."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="accounts_me_deletion_create",
        summary="Delete your account (the same as DELETE /accounts/me/)",
        description=(
            "Confirmed by your password (wrong: 400 `invalid_password`). The account is closed at once and "
            "every session and token revoked; logging in within `ACCOUNT_DELETION_GRACE_DAYS` restores it, "
            "after that it is purged. An email says until when."
        ),
        request=AccountDeleteSerializer,
        responses={204: None},
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        return _account_delete(request)


class MeAvatarView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="accounts_me_avatar_update",
        summary="Upload your avatar",
        description=(
            "Multipart, field `avatar`: a JPEG, PNG, WebP or GIF image of at most 5 MB (413 `request_too_large`). "
            "Anything that does not decode as one of these is 415 `unsupported_media`, whatever its name says. "
            "The image is re-encoded (metadata stripped, at most 512x512, WebP)."
        ),
        request={"multipart/form-data": AvatarUploadSerializer},
        responses={200: OwnProfileSerializer, **error_responses(413, 415)},
        examples=[OpenApiExample("Profile with the new avatar", value=_OWN_PROFILE_EXAMPLE, response_only=True)],
        tags=["accounts"],
    )
    def put(self, request: Request) -> Response:
        serializer = AvatarUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.avatar_set(user=request.user, upload=serializer.validated_data["avatar"])
        return Response(OwnProfileSerializer(user, context={"request": request}).data)

    @extend_schema(
        operation_id="accounts_me_avatar_destroy",
        summary="Remove your avatar",
        responses={204: None},
        examples=[OpenApiExample("No content", value=None, response_only=True, status_codes=["204"])],
        tags=["accounts"],
    )
    def delete(self, request: Request) -> Response:
        services.avatar_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublicProfileView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="accounts_profile_retrieve",
        summary="A public profile, by handle",
        description=(
            "The handle is matched ignoring case. Deleted and banned accounts are 404 `not_found`, so are suspended "
            "ones while the suspension lasts (but to the account itself and moderators), and so is "
            "the profile of an account that blocked the caller (as if it did not exist)."
        ),
        responses={200: PublicProfileSerializer},
        examples=[OpenApiExample("Public profile", value=_PROFILE_EXAMPLE, response_only=True)],
        tags=["accounts"],
    )
    def get(self, request: Request, handle: str) -> Response:
        user = selectors.profile_by_handle(handle=handle, viewer=request.user)
        if user is None:
            raise NotFoundError("No account has this handle.")
        return Response(PublicProfileSerializer(user, context={"request": request}).data)


class MeExportView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="accounts_me_export_list",
        summary="Your data exports",
        responses={200: DataExportSerializer(many=True)},
        examples=[
            OpenApiExample(
                "One ready export",
                value={"next": None, "previous": None, "results": [_EXPORT_EXAMPLE]},
                response_only=True,
            )
        ],
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="The pagination cursor."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Items per page, up to 100."),
        ],
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(selectors.data_exports_for_user(user=request.user), request, view=self)
        data = DataExportSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="accounts_me_export_create",
        summary="Request an export of your data",
        description=(
            "The archive (JSON) is built in the background and its link emailed to you. One request a day: "
            "another within 24 hours of the last one that did not fail is 429 `export_rate_limited`, with "
            "`Retry-After` in seconds."
        ),
        request=None,
        responses={202: DataExportSerializer, **error_responses(429)},
        examples=[
            OpenApiExample(
                "Requested",
                value={**_EXPORT_EXAMPLE, "status": "requested", "expires_at": None, "download_url": None},
                response_only=True,
                status_codes=["202"],
            )
        ],
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        try:
            export = services.data_export_request(user=request.user)
        except ExportRateLimitedError as error:
            raise Throttled(wait=error.retry_after, detail=error.message, code="export_rate_limited") from None
        data = DataExportSerializer(export, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class ExportDownloadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="accounts_me_export_download",
        summary="Download one of your data exports",
        description=(
            "For the export's owner, signed in, with the `token` from the emailed link. Another user's export "
            "is 404 `not_found`; a missing or forged token 403 `invalid_link`; a link older than "
            "`EXPORT_LINK_TTL` or an expired export 410 `link_expired`; an export not built yet 409 "
            "`export_not_ready`."
        ),
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True, description="From the email.")],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.BINARY, description="The JSON archive."),
            **error_responses(403, 409, 410),
        },
        examples=[
            OpenApiExample(
                "Archive",
                value={"format": "fanfare-export/1", "sections": {"profile": {"handle": "ana"}}},
                response_only=True,
            )
        ],
        tags=["accounts"],
    )
    def get(self, request: Request, export_id: uuid.UUID) -> FileResponse:
        export = data_export_for_download(
            user=request.user, export_id=export_id, token=request.query_params.get("token", "")
        )
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=f"fanfare-export-{export.created_at:%Y-%m-%d}.json",
            content_type="application/json",
        )
