"""Video API shapes. Input serializers check shape; output serializers are read-only."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.profile_serializers import UserReferenceSerializer, user_reference
from content.models import Rendition, Upload, Video, VideoDailyStat
from content.selectors.video_playback import cdn_url, video_plays_from_plain_cdn
from content.selectors.videos import video_is_playable
from content.services.video_s3 import upload_s3_part_urls
from core.routes import media_path


def country() -> serializers.RegexField:
    return serializers.RegexField(r"^[A-Z]{2}$", max_length=2, help_text="ISO 3166-1 alpha-2, upper case.")


class VideoCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=30, required=False, default=list
    )
    visibility = serializers.ChoiceField(choices=Video.Visibility.choices, default=Video.Visibility.PRIVATE)
    publish_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    size = serializers.IntegerField(min_value=1, help_text="Size of the file to upload, in bytes.")


class VideoUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=30, required=False)
    visibility = serializers.ChoiceField(choices=Video.Visibility.choices, required=False)
    publish_at = serializers.DateTimeField(required=False, allow_null=True)
    geo_allow = serializers.ListField(child=country(), max_length=250, required=False)
    geo_deny = serializers.ListField(child=country(), max_length=250, required=False)
    monetized = serializers.BooleanField(required=False)
    midroll_offsets = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=20, required=False)
    minimum_tier = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)


class ViewHeartbeatSerializer(serializers.Serializer):
    session = serializers.UUIDField(help_text="A new id per playback, chosen by the player.")
    position = serializers.FloatField(min_value=0, help_text="Playhead, in seconds.")
    watched = serializers.FloatField(min_value=0, help_text="Seconds watched in this session so far.")
    client_id = serializers.CharField(max_length=64, required=False, help_text="Anonymous viewers: a stable id.")


class UploadPartUrlSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="Bytes of this part.")
    url = serializers.URLField(read_only=True, help_text="PUT the part's bytes here; keep the ETag header.")


class UploadSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    mode = serializers.CharField(read_only=True, help_text="local: PATCH chunks to url; s3: PUT parts.")
    offset = serializers.IntegerField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    part_size = serializers.IntegerField(read_only=True)
    parts = serializers.SerializerMethodField()
    complete_url = serializers.SerializerMethodField()

    def get_url(self, upload) -> str:
        return self.context["request"].build_absolute_uri(reverse("v1:video-upload", args=[upload.pk]))

    @extend_schema_field(UploadPartUrlSerializer(many=True))
    def get_parts(self, upload) -> list[dict]:
        return upload_s3_part_urls(upload=upload)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_complete_url(self, upload) -> str | None:
        if upload.mode != Upload.Mode.S3:
            return None
        return self.context["request"].build_absolute_uri(reverse("v1:video-upload-complete", args=[upload.pk]))


class UploadCompletePartSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=10_000)
    etag = serializers.CharField(max_length=200, help_text="The ETag header S3 answered the part's PUT with.")


class UploadCompleteSerializer(serializers.Serializer):
    parts = UploadCompletePartSerializer(many=True, allow_empty=False, max_length=10_000)


class SpriteSerializer(serializers.Serializer):
    url = serializers.URLField(read_only=True)
    columns = serializers.IntegerField(read_only=True)
    interval = serializers.FloatField(read_only=True, help_text="Seconds between thumbnails.")


class ManifestsSerializer(serializers.Serializer):
    hls = serializers.URLField(read_only=True, allow_null=True)
    dash = serializers.URLField(read_only=True, allow_null=True)


class MonetizationSerializer(serializers.Serializer):
    monetized = serializers.BooleanField(read_only=True)
    midroll_offsets = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    minimum_tier = serializers.IntegerField(read_only=True, allow_null=True)
    # Not read_only: a read-only field is documented as always present; this one is optional.
    preroll = serializers.DictField(
        required=False,
        help_text="On `GET /videos/{id}/` of a monetized video, when an ad is served: the ads decision "
        "(`ad`, `offer`, `view_url`, `click_url`, `expires_at`; docs/ads.md). Absent otherwise.",
    )  # fmt: skip


# --- output, written out -------------------------------------------------------------------------
#
# Lists render 20 to 100 videos a page, and DRF's generic walk was most of a page's CPU: a
# ModelSerializer builds its fields from the model on every use, then each field of each video
# costs a few calls, and each of the three media URLs a ``reverse()``. So ``VideoSerializer``
# writes its declared fields out in ``to_representation`` (held to DRF's generic walk by
# tests/content/test_video_serializer_shape.py) and builds media paths with
# ``core.routes.media_path`` (``reverse()``'s answer without its per-call cost); the declared
# fields still make the schema.

_DATETIME = serializers.DateTimeField()  # stateless once built: formats with the settings' format
_BOOLEAN = serializers.BooleanField()


def _optional(convert, value):
    return None if value is None else convert(value)


class VideoSerializer(serializers.ModelSerializer):
    """What any viewer allowed to see the video reads."""

    owner = UserReferenceSerializer(read_only=True)
    manifests = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    sprite = serializers.SerializerMethodField()
    monetization = serializers.SerializerMethodField()

    class Meta:
        model = Video
        fields = [
            "id", "owner", "title", "description", "tags", "visibility", "publish_at", "status", "duration",
            "width", "height", "fps", "manifests", "poster_url", "sprite", "view_count", "watch_seconds",
            "monetization", "moderation_status", "sensitive", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, video):
        if type(self) is not VideoSerializer:  # a subclass with fields of its own: DRF's generic walk
            return super().to_representation(video)
        # The fields above, written out: what DRF's walk over them answers, value for value (str
        # for ids and text, the choice's value, int and float numbers, DateTimeField's format), in
        # their order. Never touches ``self.fields`` (a ModelSerializer builds them on first use).
        owner = video.owner
        return {
            "id": _optional(str, video.id),
            "owner": None if owner is None else user_reference(owner),
            "title": _optional(str, video.title),
            "description": _optional(str, video.description),
            "tags": None if video.tags is None else [_optional(str, tag) for tag in video.tags],
            "visibility": _optional(str, video.visibility),
            "publish_at": _optional(_DATETIME.to_representation, video.publish_at),
            "status": _optional(str, video.status),
            "duration": _optional(float, video.duration),
            "width": _optional(int, video.width),
            "height": _optional(int, video.height),
            "fps": _optional(float, video.fps),
            "manifests": self.get_manifests(video),
            "poster_url": self.get_poster_url(video),
            "sprite": self.get_sprite(video),
            "view_count": _optional(int, video.view_count),
            "watch_seconds": _optional(float, video.watch_seconds),
            "monetization": self.get_monetization(video),
            "moderation_status": _optional(str, video.moderation_status),
            "sensitive": _optional(_BOOLEAN.to_representation, video.sensitive),
            "created_at": _optional(_DATETIME.to_representation, video.created_at),
        }

    def _media_url(self, video: Video, name: str) -> str:
        return self.context["request"].build_absolute_uri(media_path("v1:video-media", video.pk, name))

    def _playable(self, video: Video) -> bool:
        return video_is_playable(video=video) and video.moderation_status != Video.Moderation.REMOVED

    @extend_schema_field(ManifestsSerializer)
    def get_manifests(self, video: Video) -> dict:
        if video.output_storage == Video.Storage.S3 and self._playable(video):
            if video_plays_from_plain_cdn(video=video):
                dash = cdn_url(video=video, name=video.dash_manifest) if video.dash_manifest else None
                return {"hls": cdn_url(video=video, name=video.master_playlist), "dash": dash}
            return {"hls": self._media_url(video, video.master_playlist), "dash": None}
        hls = self._media_url(video, video.master_playlist) if self._playable(video) else None
        dash = self._media_url(video, video.dash_manifest) if hls and video.dash_manifest else None
        return {"hls": hls, "dash": dash}

    def get_poster_url(self, video: Video) -> str | None:
        if not video.poster or video.moderation_status == Video.Moderation.REMOVED:
            return None
        return self._media_url(video, video.poster)

    @extend_schema_field(SpriteSerializer(allow_null=True))
    def get_sprite(self, video: Video) -> dict | None:
        if not video.sprite or video.moderation_status == Video.Moderation.REMOVED:
            return None
        url = self._media_url(video, video.sprite)
        return {"url": url, "columns": video.sprite_columns, "interval": video.sprite_interval}

    @extend_schema_field(MonetizationSerializer)
    def get_monetization(self, video: Video) -> dict:
        data = {
            "monetized": video.monetized,
            "midroll_offsets": video.midroll_offsets,
            "minimum_tier": video.minimum_tier,
        }
        if self.context.get("with_preroll") and video.monetized:
            from content.preroll import preroll_for

            preroll = preroll_for(request=self.context["request"], video=video)
            if preroll is not None:
                data["preroll"] = preroll
        return data


class RenditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rendition
        fields = ["name", "width", "height", "status", "progress", "attempts", "error_code", "error_message"]
        read_only_fields = fields


class OwnVideoSerializer(VideoSerializer):
    """The owner's view: processing detail, failures, access rules, moderation reason."""

    renditions = RenditionSerializer(many=True, read_only=True)
    upload = serializers.SerializerMethodField()

    class Meta(VideoSerializer.Meta):
        fields = [
            *VideoSerializer.Meta.fields, "error_code", "error_message", "renditions", "upload",
            "geo_allow", "geo_deny", "moderation_reason",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(UploadSerializer(allow_null=True))
    def get_upload(self, video: Video) -> dict | None:
        upload = getattr(video, "upload", None)
        return UploadSerializer(upload, context=self.context).data if upload else None


class VideoDailyStatSerializer(serializers.ModelSerializer):
    class Meta:
        model = VideoDailyStat
        fields = ["day", "views", "unique_viewers", "sessions", "watch_seconds", "average_view_duration", "retention"]
        read_only_fields = fields


class CountryStatSerializer(serializers.Serializer):
    country = serializers.CharField(read_only=True, help_text="Empty when unknown.")
    views = serializers.IntegerField(read_only=True)
    watch_seconds = serializers.FloatField(read_only=True)


class VideoAnalyticsSerializer(serializers.Serializer):
    views = serializers.IntegerField(read_only=True)
    watch_seconds = serializers.FloatField(read_only=True)
    average_view_duration = serializers.FloatField(read_only=True)
    retention = serializers.ListField(
        child=serializers.FloatField(), read_only=True, help_text="Percent of sessions reaching 0%, 5%, ... 100%."
    )
    days = VideoDailyStatSerializer(many=True, read_only=True)
    countries = CountryStatSerializer(many=True, read_only=True)
