"""Shapes of the second-factor endpoints (/api/v1/auth/2fa/). Serializers check shape; services check rules."""

from rest_framework import serializers

SECOND_FACTOR_KINDS = ["totp", "email", "sms", "backup_codes", "other"]


class SecondFactorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SECOND_FACTOR_KINDS, read_only=True)
    name = serializers.CharField(read_only=True)
    confirmed = serializers.BooleanField(read_only=True, help_text="Only confirmed devices are asked for codes.")
    created = serializers.DateTimeField(read_only=True, allow_null=True)


class SecondFactorListSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(read_only=True, help_text="Whether any confirmed second factor exists.")
    factors = SecondFactorSerializer(many=True, read_only=True)


class TotpEnrolmentSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text="The shared secret, base32, for typing in by hand.")
    otpauth_uri = serializers.CharField(read_only=True, help_text="otpauth://totp/... for authenticator apps.")
    qr_code = serializers.CharField(read_only=True, help_text="The otpauth URI as a PNG QR code, a data: URI.")


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, trim_whitespace=True)


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class DisableSerializer(PasswordSerializer):
    code = serializers.CharField(max_length=32, trim_whitespace=True, help_text="A current code from any device.")


class PhoneNumberSerializer(serializers.Serializer):
    phone_number = serializers.CharField(max_length=32, help_text="E.164, for example +447700900123.")


class SmsEnrolmentSerializer(serializers.Serializer):
    phone_number = serializers.CharField(read_only=True)
    confirmed = serializers.BooleanField(read_only=True)


class BackupCodesRemainingSerializer(serializers.Serializer):
    remaining = serializers.IntegerField(read_only=True, help_text="Unused backup codes left.")


class BackupCodesSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Shown once; each works once."
    )
