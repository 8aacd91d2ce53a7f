"""Serializers for profiles, account deletion and data exports. Input ones check shape; output ones read."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from accounts.models import DataExport, User
from accounts.services.export import download_token_make
from accounts.services.profiles import (
    MAX_LINK_LABEL_LENGTH,
    MAX_LINK_URL_LENGTH,
    MAX_LINKS,
    validate_link_url,
    validate_locale,
    validate_timezone,
)


class UserReferenceSerializer(serializers.Serializer):
    """How another resource names a user (a post's author, a video's or stream's owner, a
    commenter): the id, the handle and the display name."""

    id = serializers.UUIDField(read_only=True)
    handle = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)


def user_reference(user: User) -> dict:
    """``UserReferenceSerializer(user).data`` as a plain dict, for the output serializers that
    write their fields out (lists render one per item)."""
    return {"id": str(user.id), "handle": str(user.handle), "display_name": str(user.display_name)}


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=MAX_LINK_LABEL_LENGTH)
    url = serializers.CharField(max_length=MAX_LINK_URL_LENGTH, validators=[validate_link_url])


def _absolute_media_url(serializer: serializers.Serializer, file) -> str | None:
    if not file or not file.name:
        return None
    url = file.url
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class PublicProfileSerializer(serializers.ModelSerializer):
    """What anyone may see of an account. Never the email."""

    links = LinkSerializer(many=True, read_only=True)
    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "handle",
            "display_name",
            "bio",
            "links",
            "avatar_url",
            "created_at",
            "followers_count",
            "following_count",
            "posts_count",
            "videos_count",
            "is_private",
        ]
        read_only_fields = fields

    def get_avatar_url(self, obj: User) -> str | None:
        return _absolute_media_url(self, obj.avatar)


class OwnProfileSerializer(PublicProfileSerializer):
    """The signed-in user's own profile: the public one plus email and settings."""

    class Meta(PublicProfileSerializer.Meta):
        fields = ["id", "email", *PublicProfileSerializer.Meta.fields, "locale", "timezone"]
        read_only_fields = fields


class ProfileUpdateSerializer(serializers.Serializer):
    """Fields of ``PATCH /accounts/me/``; every one optional, unknown ones ignored."""

    display_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    bio = serializers.CharField(max_length=500, allow_blank=True, required=False)
    # A ListField (not many=True) so that a non-list is reported on `links` itself.
    links = serializers.ListField(
        child=LinkSerializer(), required=False, help_text=f"At most {MAX_LINKS} links, http(s) URLs only."
    )
    locale = serializers.CharField(max_length=35, required=False, validators=[validate_locale])
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])

    def validate_links(self, value: list[dict]) -> list[dict]:
        if len(value) > MAX_LINKS:
            raise serializers.ValidationError(f"At most {MAX_LINKS} links.", code="too_many_links")
        return value


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(help_text="A JPEG, PNG, WebP or GIF image, at most 5 MB.")


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, write_only=True)


class DataExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="Set while the export is ready and not expired.")

    class Meta:
        model = DataExport
        fields = ["id", "status", "created_at", "expires_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj: DataExport) -> str | None:
        if obj.status != DataExport.Status.READY or (obj.expires_at and obj.expires_at <= timezone.now()):
            return None
        path = reverse("v1:accounts:export-download", kwargs={"export_id": obj.pk})
        url = f"{path}?token={download_token_make(export=obj)}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url
