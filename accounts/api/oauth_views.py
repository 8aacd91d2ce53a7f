"""Signing in with Google, Apple and GitHub: /api/v1/auth/oauth/. Thin: parse, call one service
or selector, render. The login answers exactly as ``login/`` does (accounts.api.auth_views)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.api import auth_serializers
from accounts.api import oauth_serializers as s
from accounts.api.auth_views import LOGIN_EXAMPLES, _enforce_csrf, _login_body
from accounts.services import oauth
from core.openapi import error_responses

TAGS = ["auth: Google, Apple, GitHub"]
PROVIDER = OpenApiParameter(
    "provider", str, OpenApiParameter.PATH, enum=list(oauth.TOKEN_FIELDS), description="google, apple or github"
)
UNAVAILABLE = {
    503: OpenApiResponse(
        response=inline_serializer(
            "ProviderUnavailableResponse",
            {
                "type": serializers.ChoiceField(choices=["server_error"]),
                "errors": serializers.ListField(child=serializers.DictField()),
            },
        ),
        description="The provider's keys or API cannot be reached (`provider_unavailable`).",
    )
}
IDENTITY_EXAMPLE = {
    "id": 7,
    "provider": "google",
    "uid": "110248495921238986420",
    "email": "ana@gmail.com",
    "linked_at": "2026-01-01T12:00:00Z",
}


class OAuthLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        operation_id="auth_oauth_login",
        summary="Sign in with Google, Apple or GitHub",
        description=(
            "Send the `id_token` (Google, Apple) or `access_token` (GitHub) the client got from the "
            "provider. An identity already linked signs its account in; otherwise an account with the "
            "provider's email is linked only when the provider verified that email (else 409 "
            "`email_in_use`, nothing changed); otherwise a new account is made. Answers as `login/`: "
            "a completed login or a second-factor challenge for `login/verify/`. Errors: "
            "`provider_not_enabled` (404), `invalid_token`, `email_required` (400), `email_in_use` "
            "(409), `account_inactive`, `account_suspended`, `account_banned`, `csrf_failed` (403), "
            "`provider_unavailable` (503)."
        ),
        parameters=[PROVIDER],
        request=s.OAuthLoginSerializer,
        responses={200: auth_serializers.LoginResponseSerializer, **error_responses(409), **UNAVAILABLE},
        examples=[
            OpenApiExample(
                "Google, token client",
                value={"id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6...", "client": "token", "device_name": "Pixel 8"},
                request_only=True,
            ),
            OpenApiExample("GitHub, browser", value={"access_token": "gho_16C7e42F292c69", "client": "session"}),
            *LOGIN_EXAMPLES[1:],
        ],
    )
    def post(self, request, provider):
        token_field = oauth.oauth_provider_token_field(provider=provider)
        serializer = s.OAuthLoginSerializer(data=request.data, context={"token_field": token_field})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["client"] == "session":
            _enforce_csrf(request)
        result = oauth.oauth_login(
            request=request,
            provider=provider,
            token=data["token"],
            client=data["client"],
            device_name=data["device_name"],
        )
        return Response(_login_body(result))


class OAuthLinkView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_oauth_link",
        summary="Link a Google, Apple or GitHub identity to my account",
        description=(
            "201 with the new link, 200 when it was already yours. Errors: `provider_not_enabled` "
            "(404), `invalid_token` (400), `identity_linked_elsewhere` (409), `provider_unavailable` (503)."
        ),
        parameters=[PROVIDER],
        request=s.OAuthLinkSerializer,
        responses={
            201: s.OAuthIdentitySerializer,
            200: s.OAuthIdentitySerializer,
            **error_responses(409),
            **UNAVAILABLE,
        },
        examples=[
            OpenApiExample("Apple", value={"id_token": "eyJraWQiOiJXNldjT0tC..."}, request_only=True),
            OpenApiExample("Linked", value=IDENTITY_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    def post(self, request, provider):
        token_field = oauth.oauth_provider_token_field(provider=provider)
        serializer = s.OAuthLinkSerializer(data=request.data, context={"token_field": token_field})
        serializer.is_valid(raise_exception=True)
        account, created = oauth.oauth_identity_link(
            request=request, user=request.user, provider=provider, token=serializer.validated_data["token"]
        )
        return Response(
            s.OAuthIdentitySerializer(account).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class OAuthIdentityListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_oauth_identities",
        summary="My linked Google, Apple and GitHub identities",
        responses={200: s.OAuthIdentityListSerializer},
        examples=[OpenApiExample("One", value={"identities": [IDENTITY_EXAMPLE]}, response_only=True)],
    )
    def get(self, request):
        identities = selectors.oauth_identities_of(user=request.user)
        return Response(s.OAuthIdentityListSerializer({"identities": identities}).data)


class OAuthIdentityDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_oauth_identity_unlink",
        summary="Unlink an identity",
        description=(
            "Errors: `not_found` (404: unknown or another user's), `last_login_method` (409: the "
            "account has no usable password and no other identity)."
        ),
        request=None,
        responses={204: OpenApiResponse(description="Unlinked."), **error_responses(409)},
    )
    def delete(self, request, identity_id):
        oauth.oauth_identity_unlink(user=request.user, identity_id=identity_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
