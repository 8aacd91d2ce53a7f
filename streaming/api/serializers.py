"""Shapes of the streams API. Output serializers are read-only; the stream key is only in the owner's."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.profile_serializers import UserReferenceSerializer, user_reference
from core.errors import ApplicationError
from streaming.api.chat_serializers import TipTotalsSerializer
from streaming.models import LiveStream
from streaming.selectors.playback import Playback, stream_playback
from streaming.selectors.streams import stream_ingest_url

_DATETIME = serializers.DateTimeField()  # stateless once built: formats with the settings' format
_BOOLEAN = serializers.BooleanField()


def _optional(convert, value):
    return None if value is None else convert(value)


class StreamCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False, default=list
    )
    visibility = serializers.ChoiceField(choices=LiveStream.Visibility.choices, default=LiveStream.Visibility.PUBLIC)
    minimum_tier = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True, default=None,
        help_text="With visibility subscribers: the lowest membership tier position admitted (null: any tier).",
    )  # fmt: skip
    monetized = serializers.BooleanField(
        default=True, help_text="Ads may run beside the stream (false: no ads on it; docs/ads.md)."
    )
    scheduled_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Empty: go live whenever you start publishing."
    )
    record = serializers.BooleanField(default=False, help_text="Make the stream a video when it ends.")
    chat_enabled = serializers.BooleanField(default=True)
    slow_mode_seconds = serializers.IntegerField(min_value=0, max_value=3600, default=0)
    followers_only_minutes = serializers.IntegerField(min_value=0, max_value=525600, required=False, allow_null=True)
    subscribers_only = serializers.BooleanField(default=False)
    emoji_only = serializers.BooleanField(default=False)
    blocked_words = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=200, required=False, default=list
    )


class StreamUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=20, required=False)
    visibility = serializers.ChoiceField(choices=LiveStream.Visibility.choices, required=False)
    minimum_tier = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    monetized = serializers.BooleanField(required=False)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    record = serializers.BooleanField(required=False)
    chat_enabled = serializers.BooleanField(required=False)
    slow_mode_seconds = serializers.IntegerField(min_value=0, max_value=3600, required=False)
    followers_only_minutes = serializers.IntegerField(min_value=0, max_value=525600, required=False, allow_null=True)
    subscribers_only = serializers.BooleanField(required=False)
    emoji_only = serializers.BooleanField(required=False)
    blocked_words = serializers.ListField(child=serializers.CharField(max_length=100), max_length=200, required=False)


class StreamSummarySerializer(serializers.Serializer):
    peak_viewers = serializers.IntegerField(read_only=True)
    average_viewers = serializers.FloatField(read_only=True)
    total_watch_seconds = serializers.FloatField(read_only=True)
    unique_viewers = serializers.IntegerField(read_only=True)
    chat_messages_count = serializers.IntegerField(read_only=True)
    tips = TipTotalsSerializer(
        read_only=True,
        allow_null=True,
        help_text=(
            "Paid tips so far (refunded and disputed ones left out): count, totals by currency, top tippers "
            "(anonymous tips ranked without a name). In a single stream's answer; null in lists."
        ),
    )


SUMMARY_FIELDS = ("peak_viewers", "average_viewers", "total_watch_seconds", "unique_viewers", "chat_messages_count")


class ChatSettingsSerializer(serializers.Serializer):
    chat_enabled = serializers.BooleanField(read_only=True)
    slow_mode_seconds = serializers.IntegerField(read_only=True)
    followers_only_minutes = serializers.IntegerField(read_only=True, allow_null=True)
    subscribers_only = serializers.BooleanField(read_only=True)
    emoji_only = serializers.BooleanField(read_only=True)


class StreamSerializer(serializers.ModelSerializer):
    """What anyone who may see the stream gets.

    The playback URL is the caller's own (``streaming.selectors.playback``): for a private IVS
    stream it carries a playback token for the caller. Its errors (503
    ``playback_auth_unconfigured``) fail a single stream's answer; in lists (context
    ``"in_list": True``) that stream's URL is null instead.
    """

    owner = UserReferenceSerializer(read_only=True)
    playback_url = serializers.SerializerMethodField(
        help_text=(
            "HLS playlist while the stream is live, else null. For followers-only and "
            "subscribers-only streams on IVS it carries a playback token for the caller "
            "(`?token=`), valid until `playback_expires_at`: ask again for a new one."
        )
    )
    playback_expires_at = serializers.SerializerMethodField(
        help_text="When the token in `playback_url` expires (null for URLs without a token)."
    )
    chat = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    # Not read_only: a read-only field is documented as always present; this one is optional.
    sponsored = serializers.DictField(
        required=False,
        help_text="On `GET /streams/{id}/` of a live, monetized stream, for viewers other than its owner, "
        "when an ad is served: the ads decision for the `stream_side` placement (`ad`, `offer`, `view_url`, "
        "`click_url`, `expires_at`; docs/ads.md). Absent otherwise.",
    )  # fmt: skip

    class Meta:
        model = LiveStream
        fields = [
            "id", "owner", "title", "description", "tags", "visibility", "minimum_tier", "monetized", "status",
            "scheduled_at", "started_at", "ended_at", "playback_url", "playback_expires_at", "chat", "summary",
            "recording_video", "created_at", "sponsored",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, stream):
        if type(self) is not StreamSerializer:  # a subclass with fields of its own: DRF's generic walk
            return super().to_representation(stream)
        # The fields above, written out: what DRF's walk over them answers, value for value (str
        # for ids and text, the choice's value, int numbers, DateTimeField's format, the related
        # video's key as it is), in their order; held to the walk by
        # tests/streaming/test_stream_serializer_shape.py. Lists render 20 to 100 streams, and the
        # walk (a ModelSerializer builds its fields on first use, then a few calls per field) was
        # most of a page's CPU.
        owner = stream.owner
        return {
            "id": _optional(str, stream.id),
            "owner": None if owner is None else user_reference(owner),
            "title": _optional(str, stream.title),
            "description": _optional(str, stream.description),
            "tags": None if stream.tags is None else [_optional(str, tag) for tag in stream.tags],
            "visibility": _optional(str, stream.visibility),
            "minimum_tier": _optional(int, stream.minimum_tier),
            "monetized": _optional(_BOOLEAN.to_representation, stream.monetized),
            "status": _optional(str, stream.status),
            "scheduled_at": _optional(_DATETIME.to_representation, stream.scheduled_at),
            "started_at": _optional(_DATETIME.to_representation, stream.started_at),
            "ended_at": _optional(_DATETIME.to_representation, stream.ended_at),
            "playback_url": self.get_playback_url(stream),
            "playback_expires_at": self.get_playback_expires_at(stream),
            "chat": {
                "chat_enabled": _optional(_BOOLEAN.to_representation, stream.chat_enabled),
                "slow_mode_seconds": _optional(int, stream.slow_mode_seconds),
                "followers_only_minutes": _optional(int, stream.followers_only_minutes),
                "subscribers_only": _optional(_BOOLEAN.to_representation, stream.subscribers_only),
                "emoji_only": _optional(_BOOLEAN.to_representation, stream.emoji_only),
            },
            "summary": self.get_summary(stream),
            "recording_video": stream.recording_video_id,
            "created_at": _optional(_DATETIME.to_representation, stream.created_at),
        }

    def _playback(self, stream: LiveStream) -> Playback:
        cache = self.context.setdefault("_playback", {})
        if stream.pk not in cache:
            request = self.context.get("request")
            user = request.user if request is not None else None
            try:
                cache[stream.pk] = stream_playback(stream=stream, user=user)
            except ApplicationError:
                if not self.context.get("in_list"):
                    raise
                cache[stream.pk] = Playback(None)
        return cache[stream.pk]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_playback_url(self, stream: LiveStream) -> str | None:
        url = self._playback(stream).url
        request = self.context.get("request")
        if url and url.startswith("/") and request is not None:
            return request.build_absolute_uri(url)
        return url

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_playback_expires_at(self, stream: LiveStream) -> str | None:
        expires_at = self._playback(stream).expires_at
        return _DATETIME.to_representation(expires_at) if expires_at else None

    def _nested(self, serializer_class):
        """One instance of a nested serializer per request (the context is the whole list's): a new
        one per stream made DRF deep-copy its declared fields for every stream of a page."""
        cache = self.context.setdefault("_nested", {})
        if serializer_class not in cache:
            cache[serializer_class] = serializer_class()
        return cache[serializer_class]

    @extend_schema_field(ChatSettingsSerializer)
    def get_chat(self, stream: LiveStream) -> dict:
        return self._nested(ChatSettingsSerializer).to_representation(stream)

    @extend_schema_field(StreamSummarySerializer)
    def get_summary(self, stream: LiveStream) -> dict:
        from streaming.services.tips import stream_tip_totals

        figures = {name: getattr(stream, name) for name in SUMMARY_FIELDS}
        # The tips take three queries: a single stream's answer only, not every stream of a page.
        figures["tips"] = None if self.context.get("in_list") else stream_tip_totals(stream=stream)
        return self._nested(StreamSummarySerializer).to_representation(figures)


class OwnStreamSerializer(StreamSerializer):
    """The owner's view: the ingest settings (URL and the secret key) and the chat word list."""

    ingest_url = serializers.SerializerMethodField(help_text="The server URL to give OBS (the key goes separately).")

    class Meta(StreamSerializer.Meta):
        fields = [
            *StreamSerializer.Meta.fields, "provider", "stream_key", "ingest_url", "record", "blocked_words",
            "ended_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def get_ingest_url(self, stream: LiveStream) -> str:
        return stream_ingest_url(stream=stream)


class IvsEventResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["applied", "ignored", "duplicate"], read_only=True)


class ReminderSerializer(serializers.Serializer):
    reminder = serializers.BooleanField(read_only=True)
