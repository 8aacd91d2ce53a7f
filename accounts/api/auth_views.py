"""Signing up and signing in: /api/v1/auth/. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import CSRFCheck
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.api import auth_schema  # noqa: F401  (registers the OpenAPI security schemes)
from accounts.api import auth_serializers as s
from accounts.services import access, passwords, registration
from core.errors import ApplicationAPIException, PermissionDeniedError
from core.openapi import error_responses


def _enforce_csrf(request) -> None:
    """A login that opens a browser session must carry the CSRF token, or a page elsewhere could
    sign the browser into the attacker's account (login CSRF). DRF checks CSRF only for
    requests already signed in, so the session login checks it here."""
    check = CSRFCheck(lambda _request: None)
    check.process_request(request._request)
    reason = check.process_view(request._request, None, (), {})
    if reason:
        raise ApplicationAPIException(
            PermissionDeniedError(f"CSRF check failed: {reason}. GET /api/v1/auth/csrf/ first.", code="csrf_failed")
        )


@method_decorator(ensure_csrf_cookie, name="get")
class CsrfView(APIView):
    """Sets the ``csrftoken`` cookie and returns its value, for a browser's session login."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=["auth"],
        summary="Get a CSRF token (browsers, before a session login)",
        responses=inline_serializer("CsrfToken", {"csrf_token": serializers.CharField()}),
    )
    def get(self, request):
        return Response({"csrf_token": get_token(request._request)})


TAGS = ["auth"]
ACCEPTED = {"detail": "Check your inbox to finish signing up."}


def _throttled(error: access.LoginThrottledError) -> exceptions.Throttled:
    return exceptions.Throttled(wait=error.retry_after)


def _login_body(result: access.LoginResult) -> dict:
    if result.two_factor_required:
        return {"two_factor_required": True, "challenge": result.challenge, "methods": result.methods}
    body = {
        "two_factor_required": False,
        "user": s.LoginUserSerializer(result.user).data,
        "device_id": str(result.device.pk),
    }
    if result.token is not None:
        body |= {"token": result.token, "expiry": result.token_expiry.isoformat()}
    return body


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="Sign up",
        description=(
            "Creates an account and emails a verification link. Answers 202 with the same body "
            "whether the email is new or already has an account (its owner is emailed a notice). "
            "Errors: `weak_password`, `invalid_handle`, `handle_reserved` (400), `handle_taken` (409)."
        ),
        request=s.RegisterSerializer,
        responses={202: s.DetailSerializer, **error_responses(409)},
        examples=[
            OpenApiExample(
                "Sign up",
                value={
                    "email": "ana@example.com",
                    "password": "a long passphrase",
                    "handle": "ana",
                    "display_name": "Ana",
                },
                request_only=True,
            ),
            OpenApiExample("Accepted", value=ACCEPTED, response_only=True, status_codes=["202"]),
        ],
    )
    def post(self, request):
        serializer = s.RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration.user_register(**serializer.validated_data)
        return Response(ACCEPTED, status=status.HTTP_202_ACCEPTED)


class VerifyEmailView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="Verify an email address",
        description="With `uid` and `token` from the emailed link. Wrong, used or expired: `invalid_token` (400).",
        request=s.UidTokenSerializer,
        responses={200: s.DetailSerializer},
        examples=[
            OpenApiExample("Link", value={"uid": "MDE5N2Q...", "token": "cd1x8k-3f2a..."}, request_only=True),
            OpenApiExample("Verified", value={"detail": "Email verified."}, response_only=True),
        ],
    )
    def post(self, request):
        serializer = s.UidTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration.email_verify(**serializer.validated_data)
        return Response({"detail": "Email verified."})


class VerifyEmailResendView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "email_verification"

    def get_throttles(self):
        from rest_framework.throttling import ScopedRateThrottle

        return [ScopedRateThrottle()]

    @extend_schema(
        tags=TAGS,
        summary="Send the verification email again",
        description="Throttled per user (429). Already verified: `email_already_verified` (400).",
        request=None,
        responses={202: s.DetailSerializer},
        examples=[OpenApiExample("Sent", value={"detail": "Verification email sent."}, status_codes=["202"])],
    )
    def post(self, request):
        registration.email_verification_send(user=request.user)
        return Response({"detail": "Verification email sent."}, status=status.HTTP_202_ACCEPTED)


LOGIN_EXAMPLES = [
    OpenApiExample(
        "Token login",
        value={
            "email": "ana@example.com",
            "password": "a long passphrase",
            "client": "token",
            "device_name": "Pixel 8",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Logged in with a token",
        value={
            "two_factor_required": False,
            "user": {
                "id": "0197d2a0-0000-7000-8000-000000000001",
                "email": "ana@example.com",
                "handle": "ana",
                "display_name": "Ana",
                "email_verified": True,
            },
            "device_id": "0197d2a0-0000-7000-8000-000000000002",
            "token": "3f1c...",
            "expiry": "2026-01-31T12:00:00+00:00",
        },
        response_only=True,
    ),
    OpenApiExample(
        "Second factor due",
        value={"two_factor_required": True, "challenge": "eyJ1Ijoi...", "methods": ["totp", "static"]},
        response_only=True,
    ),
]


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="Log in (password step)",
        description=(
            '`client: "session"` opens a browser session (cookie); `"token"` returns a per-device '
            "token for `Authorization: Token <token>`. With a confirmed second factor, answers a "
            "challenge for `login/verify/` instead. Errors: `invalid_credentials` (400, wrong email "
            "or password alike), `account_suspended` (403, `extra.until`), `account_banned` (403), "
            "`throttled` (429 with Retry-After)."
        ),
        request=s.LoginSerializer,
        responses={200: s.LoginResponseSerializer, **error_responses(429, 503)},
        examples=LOGIN_EXAMPLES,
    )
    def post(self, request):
        serializer = s.LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["client"] == "session":
            _enforce_csrf(request)
        try:
            result = access.login_password(request=request, **serializer.validated_data)
        except access.LoginThrottledError as error:
            raise _throttled(error) from None
        return Response(_login_body(result))


class LoginVerifyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="Log in (second-factor step)",
        description=(
            "Completes a login with a code. `method` picks the device (one of the challenge's "
            "`methods`); without it the code's shape decides. Errors: `invalid_challenge` (400: "
            "expired after 5 minutes, forged or used), `invalid_method`, `invalid_code` (400), "
            "`throttled` (429), `account_suspended`/`account_banned` (403)."
        ),
        request=s.LoginVerifySerializer,
        responses={200: s.LoginResponseSerializer, **error_responses(429, 503)},
        examples=[
            OpenApiExample("TOTP code", value={"challenge": "eyJ1Ijoi...", "code": "123456", "method": "totp"}),
            LOGIN_EXAMPLES[1],
        ],
    )
    def post(self, request):
        serializer = s.LoginVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if access.challenge_client(challenge=data["challenge"]) == "session":
            _enforce_csrf(request)
        try:
            result = access.login_second_factor_verify(
                request=request, challenge=data["challenge"], code=data["code"], method=data["method"] or None
            )
        except access.LoginThrottledError as error:
            raise _throttled(error) from None
        return Response(_login_body(result))


class LoginSendCodeView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="Send a second-factor code",
        description=(
            "For interactive methods (email, SMS). Errors: `invalid_challenge`, `invalid_method` "
            "(400, also for TOTP and backup codes), `throttled` (429 while the cooldown runs)."
        ),
        request=s.LoginSendCodeSerializer,
        responses={202: s.DetailSerializer, **error_responses(429, 503)},
        examples=[
            OpenApiExample("By email", value={"challenge": "eyJ1Ijoi...", "method": "email"}, request_only=True),
            OpenApiExample("Sent", value={"detail": "Code sent."}, response_only=True, status_codes=["202"]),
        ],
    )
    def post(self, request):
        serializer = s.LoginSendCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            access.login_code_send(**serializer.validated_data)
        except access.LoginThrottledError as error:
            raise _throttled(error) from None
        return Response({"detail": "Code sent."}, status=status.HTTP_202_ACCEPTED)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Log out this session or token",
        request=None,
        responses={204: OpenApiResponse(description="Signed out.")},
        examples=[OpenApiExample("No body", value=None, request_only=True)],
    )
    def post(self, request):
        access.logout(request=request, device=selectors.device_for_request(request=request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Log out everywhere",
        description="Every session and token of the caller, this one included.",
        request=None,
        responses={200: s.LogoutAllResponseSerializer},
        examples=[OpenApiExample("Signed out", value={"revoked": 3}, response_only=True)],
    )
    def post(self, request):
        return Response({"revoked": access.logout_all(request=request, user=request.user)})


class DeviceListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.AuthDeviceSerializer

    def get_queryset(self):
        return selectors.devices_active(user=self.request.user)

    def get_serializer_context(self):
        device = selectors.device_for_request(request=self.request)
        return {**super().get_serializer_context(), "current_device_id": device.pk if device else None}

    @extend_schema(
        tags=TAGS,
        summary="My signed-in devices",
        description="Sessions and tokens not revoked, newest first; `current` marks the caller's.",
        examples=[
            OpenApiExample(
                "A page",
                value={
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": "0197d2a0-0000-7000-8000-000000000002",
                            "kind": "session",
                            "name": "Firefox on Ubuntu",
                            "platform": "Ubuntu",
                            "last_ip": "203.0.113.7",
                            "last_seen_at": "2026-01-01T12:00:00Z",
                            "two_factor_verified": False,
                            "created_at": "2026-01-01T11:00:00Z",
                            "current": True,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DeviceDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Sign a device out",
        description="Deletes its token or session. Another user's, unknown or already revoked: 404.",
        request=None,
        responses={204: OpenApiResponse(description="Signed out.")},
        examples=[OpenApiExample("No body", value=None, request_only=True)],
    )
    def delete(self, request, device_id):
        access.device_revoke(user=request.user, device_id=device_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Change my password",
        description=(
            "Signs out every other device; this one stays signed in. Errors: `invalid_password` "
            "(400, wrong current password), `weak_password` (400)."
        ),
        request=s.PasswordChangeSerializer,
        responses={200: s.LogoutAllResponseSerializer},
        examples=[
            OpenApiExample(
                "Change",
                value={"current_password": "old passphrase", "new_password": "a new passphrase"},
                request_only=True,
            ),
            OpenApiExample("Changed", value={"revoked": 2}, response_only=True),
        ],
    )
    def post(self, request):
        serializer = s.PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoked = passwords.password_change(
            request=request,
            user=request.user,
            device=selectors.device_for_request(request=request),
            **serializer.validated_data,
        )
        return Response({"revoked": revoked})


RESET_ACCEPTED = {"detail": "If an account has this email, a reset link is on its way."}


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="Ask for a password reset link",
        description="Always 202 with the same body; the link is emailed only when the account exists.",
        request=s.PasswordResetSerializer,
        responses={202: s.DetailSerializer},
        examples=[
            OpenApiExample("Ask", value={"email": "ana@example.com"}, request_only=True),
            OpenApiExample("Accepted", value=RESET_ACCEPTED, response_only=True, status_codes=["202"]),
        ],
    )
    def post(self, request):
        serializer = s.PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_request(**serializer.validated_data)
        return Response(RESET_ACCEPTED, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="Set a new password from a reset link",
        description=(
            "Signs out every device. Errors: `invalid_token` (400: wrong, used or expired link), `weak_password` (400)."
        ),
        request=s.PasswordResetConfirmSerializer,
        responses={200: s.DetailSerializer},
        examples=[
            OpenApiExample(
                "Confirm", value={"uid": "MDE5N2Q...", "token": "cd1x8k-3f2a...", "new_password": "a new passphrase"}
            ),
        ],
    )
    def post(self, request):
        serializer = s.PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_confirm(**serializer.validated_data)
        return Response({"detail": "Password changed. Log in with the new one."})


class LoginHistoryView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.LoginEventSerializer

    def get_queryset(self):
        return selectors.login_events_of(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="My login history",
        description="Every attempt on my account, newest first (kept for 12 months).",
        examples=[
            OpenApiExample(
                "A page",
                value={
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": "0197d2a0-0000-7000-8000-000000000003",
                            "created_at": "2026-01-01T12:00:00Z",
                            "email": "ana@example.com",
                            "success": False,
                            "reason": "invalid_credentials",
                            "ip": "203.0.113.7",
                            "user_agent": "Mozilla/5.0 ...",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
