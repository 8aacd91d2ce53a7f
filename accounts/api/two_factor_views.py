"""Second factors through the API: /api/v1/auth/2fa/. Thin: parse, call one service or selector, render."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.api.two_factor_serializers import (
    BackupCodesRemainingSerializer,
    BackupCodesSerializer,
    CodeSerializer,
    DisableSerializer,
    PasswordSerializer,
    PhoneNumberSerializer,
    SecondFactorListSerializer,
    SecondFactorSerializer,
    SmsEnrolmentSerializer,
    TotpEnrolmentSerializer,
)
from accounts.services import two_factor
from core.openapi import error_responses

TAG = ["auth: second factors"]
CREATED = "2026-11-24T20:42:28Z"
FACTOR_EXAMPLE = {"kind": "totp", "name": "Authenticator app", "confirmed": True, "created": CREATED}


def _data(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SecondFactorListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_list",
        summary="List your second factors",
        responses={200: SecondFactorListSerializer},
        examples=[OpenApiExample("Authenticator app", value={"enabled": True, "factors": [FACTOR_EXAMPLE]})],
    )
    def get(self, request):
        factors = selectors.second_factors_for_user(user=request.user)
        enabled = any(factor.confirmed for factor in factors)
        return Response(SecondFactorListSerializer({"enabled": enabled, "factors": factors}).data)


class TotpEnrolView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_totp_start",
        summary="Start setting up an authenticator app",
        description="Creates an unconfirmed TOTP device (replacing an unconfirmed one) and returns its secret, "
        "otpauth URI and QR code. Errors: 409 `totp_already_enabled`.",
        request=None,
        responses={201: TotpEnrolmentSerializer, **error_responses(409)},
        examples=[
            OpenApiExample(
                "Enrolment",
                value={
                    "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                    "otpauth_uri": "otpauth://totp/Fanfare%3Acasey%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
                    "&algorithm=SHA1&digits=6&period=30&issuer=Fanfare",
                    "qr_code": "data:image/png;base64,iVBORw0KGgo...",
                },
                response_only=True,
                status_codes=["201"],
            )
        ],
    )
    def post(self, request):
        enrolment = two_factor.totp_enrolment_start(user=request.user)
        return Response(TotpEnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class TotpConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_totp_confirm",
        summary="Confirm the authenticator app with a code",
        description="Errors: 400 `invalid_code`, 404 `totp_enrolment_not_found`, 409 `totp_already_enabled`, "
        "429 `too_many_attempts` (`extra.retry_after` seconds).",
        request=CodeSerializer,
        responses={200: SecondFactorSerializer, **error_responses(409, 429)},
        examples=[
            OpenApiExample("Code", value={"code": "123456"}, request_only=True),
            OpenApiExample("Confirmed", value=FACTOR_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
    def post(self, request):
        data = _data(CodeSerializer, request)
        device = two_factor.totp_enrolment_confirm(user=request.user, code=data["code"])
        return Response(SecondFactorSerializer(selectors.second_factor_describe(device=device)).data)


class EmailDeviceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_email_enable",
        summary="Turn on codes by email",
        description="Codes go to your verified email. Errors: 400 `email_unverified`, 409 `email_otp_already_enabled`.",
        request=None,
        responses={201: SecondFactorSerializer, **error_responses(409)},
        examples=[
            OpenApiExample(
                "Email",
                value={"kind": "email", "name": "Email", "confirmed": True, "created": CREATED},
                response_only=True,
                status_codes=["201"],
            )
        ],
    )
    def post(self, request):
        device = two_factor.email_device_enable(user=request.user)
        data = SecondFactorSerializer(selectors.second_factor_describe(device=device)).data
        return Response(data, status=status.HTTP_201_CREATED)


class EmailDeviceDisableView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_email_disable",
        summary="Turn off codes by email",
        description="Errors: 400 `invalid_password`, 404 `email_otp_not_enabled`.",
        request=PasswordSerializer,
        responses={204: None},
        examples=[OpenApiExample("Password", value={"password": "correct horse battery staple"}, request_only=True)],
    )
    def post(self, request):
        data = _data(PasswordSerializer, request)
        two_factor.email_device_disable(user=request.user, password=data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class SmsEnrolView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_sms_start",
        summary="Enrol a phone number for codes by SMS",
        description="Sends a code to the number (through Twilio when configured, otherwise to the log). "
        "Errors: 400 `invalid_phone_number`, 409 `sms_already_enabled`.",
        request=PhoneNumberSerializer,
        responses={201: SmsEnrolmentSerializer, **error_responses(409)},
        examples=[
            OpenApiExample("Number", value={"phone_number": "+447700900123"}, request_only=True),
            OpenApiExample(
                "Pending",
                value={"phone_number": "+447700900123", "confirmed": False},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        data = _data(PhoneNumberSerializer, request)
        device = two_factor.sms_enrolment_start(user=request.user, phone_number=data["phone_number"])
        body = SmsEnrolmentSerializer({"phone_number": device.number, "confirmed": device.confirmed}).data
        return Response(body, status=status.HTTP_201_CREATED)


class SmsConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_sms_confirm",
        summary="Confirm the phone number with the code sent to it",
        description="Errors: 400 `invalid_code`, 404 `sms_enrolment_not_found`, 409 `sms_already_enabled`, "
        "429 `too_many_attempts`.",
        request=CodeSerializer,
        responses={200: SecondFactorSerializer, **error_responses(409, 429)},
        examples=[
            OpenApiExample("Code", value={"code": "123456"}, request_only=True),
            OpenApiExample(
                "Confirmed",
                value={"kind": "sms", "name": "SMS", "confirmed": True, "created": None},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request):
        data = _data(CodeSerializer, request)
        device = two_factor.sms_enrolment_confirm(user=request.user, code=data["code"])
        return Response(SecondFactorSerializer(selectors.second_factor_describe(device=device)).data)


class BackupCodesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_backup_codes_remaining",
        summary="How many backup codes remain",
        responses={200: BackupCodesRemainingSerializer},
        examples=[OpenApiExample("Remaining", value={"remaining": 7})],
    )
    def get(self, request):
        return Response(
            BackupCodesRemainingSerializer({"remaining": selectors.backup_codes_remaining(user=request.user)}).data
        )

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_backup_codes_regenerate",
        summary="Replace your backup codes with ten new ones",
        description="Returns the codes once; each works once. Errors: 400 `invalid_password`.",
        request=PasswordSerializer,
        responses={200: BackupCodesSerializer},
        examples=[
            OpenApiExample("Password", value={"password": "correct horse battery staple"}, request_only=True),
            OpenApiExample(
                "Codes",
                value={"codes": ["abcd2345", "efgh6789", "..."]},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request):
        data = _data(PasswordSerializer, request)
        codes = two_factor.backup_codes_reissue(user=request.user, password=data["password"])
        return Response(BackupCodesSerializer({"codes": codes}).data)


class TwoFactorDisableView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        operation_id="auth_2fa_disable",
        summary="Turn two-factor off (deletes every device)",
        description="Needs the password and a current code from any device. Errors: 400 `invalid_password`, "
        "400 `invalid_code`, 409 `two_factor_not_enabled`, 429 `too_many_attempts`.",
        request=DisableSerializer,
        responses={204: OpenApiResponse(description="Every device deleted."), **error_responses(409, 429)},
        examples=[
            OpenApiExample(
                "Password and code",
                value={"password": "correct horse battery staple", "code": "123456"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = _data(DisableSerializer, request)
        two_factor.two_factor_disable(user=request.user, password=data["password"], code=data["code"])
        return Response(status=status.HTTP_204_NO_CONTENT)
