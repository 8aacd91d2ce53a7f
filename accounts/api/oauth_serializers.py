"""Shapes of the Google, Apple and GitHub sign-in endpoints. Which token a provider needs is
the service's to say (``accounts.services.oauth.TOKEN_FIELDS``); the view passes it in."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount
from rest_framework import serializers

from accounts.models import AuthDevice


class _OAuthTokenSerializer(serializers.Serializer):
    id_token = serializers.CharField(
        max_length=8192, required=False, help_text="Google and Apple: the OpenID Connect ID token."
    )
    access_token = serializers.CharField(max_length=1024, required=False, help_text="GitHub: the OAuth access token.")

    def validate(self, attrs):
        token_field = self.context["token_field"]
        if not attrs.get(token_field):
            raise serializers.ValidationError(
                {token_field: [self.fields[token_field].error_messages["required"]]}, code="required"
            )
        return {**attrs, "token": attrs[token_field]}


class OAuthLoginSerializer(_OAuthTokenSerializer):
    client = serializers.ChoiceField(choices=AuthDevice.Kind.choices, default=AuthDevice.Kind.TOKEN)
    device_name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class OAuthLinkSerializer(_OAuthTokenSerializer):
    pass


class OAuthIdentitySerializer(serializers.ModelSerializer):
    email = serializers.SerializerMethodField(help_text="The email the provider gave at the last sign-in.")
    linked_at = serializers.DateTimeField(source="date_joined", read_only=True)

    class Meta:
        model = SocialAccount
        fields = ["id", "provider", "uid", "email", "linked_at"]
        read_only_fields = fields

    def get_email(self, account: SocialAccount) -> str | None:
        return account.extra_data.get("email") or None


class OAuthIdentityListSerializer(serializers.Serializer):
    identities = OAuthIdentitySerializer(many=True, read_only=True)
