"""Shapes of the signing-up and signing-in endpoints. Serializers check shape; services check rules."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from accounts.models import AuthDevice, LoginEvent


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    handle = serializers.CharField(max_length=30)
    display_name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class UidTokenSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    client = serializers.ChoiceField(choices=AuthDevice.Kind.choices, default=AuthDevice.Kind.TOKEN)
    device_name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class LoginUserSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    handle = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    email_verified = serializers.BooleanField(source="is_email_verified", read_only=True)


class LoginCompletedSerializer(serializers.Serializer):
    """A completed login. (Output only: fields are not read-only so that the schema marks the
    token's fields optional; they are there only for client "token".)"""

    two_factor_required = serializers.BooleanField(help_text="False: signed in.")
    user = LoginUserSerializer()
    device_id = serializers.UUIDField()
    token = serializers.CharField(required=False, help_text='Only for client "token".')
    expiry = serializers.DateTimeField(required=False, help_text='Only for client "token".')


class LoginChallengeSerializer(serializers.Serializer):
    """The password was right; a second factor is due (``POST /auth/login/verify/``)."""

    two_factor_required = serializers.BooleanField(help_text="True: send a code next.")
    challenge = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField(), help_text="totp, static, email, ...")


# Either shape: the two have disjoint required fields, so exactly one matches a body.
LoginResponseSerializer = PolymorphicProxySerializer(
    component_name="LoginResponse",
    serializers=[LoginCompletedSerializer, LoginChallengeSerializer],
    resource_type_field_name=None,
)


class LoginVerifySerializer(serializers.Serializer):
    challenge = serializers.CharField(max_length=1000)
    code = serializers.CharField(max_length=64)
    method = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class LoginSendCodeSerializer(serializers.Serializer):
    challenge = serializers.CharField(max_length=1000)
    method = serializers.CharField(max_length=30)


class LogoutAllResponseSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(read_only=True, help_text="How many sessions and tokens were signed out.")


class AuthDeviceSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = AuthDevice
        fields = [
            "id",
            "kind",
            "name",
            "platform",
            "last_ip",
            "last_seen_at",
            "two_factor_verified",
            "created_at",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, device: AuthDevice) -> bool:
        current = self.context.get("current_device_id")
        return current is not None and device.pk == current


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(UidTokenSerializer):
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class LoginEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoginEvent
        fields = ["id", "created_at", "email", "success", "reason", "ip", "user_agent"]
        read_only_fields = fields
