from rest_framework import serializers


class ModeratorUserSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    handle = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class ChannelModeratorSerializer(serializers.Serializer):
    moderator = ModeratorUserSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ChannelModeratorAddSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(required=False)
    handle = serializers.CharField(max_length=31, required=False)

    def validate(self, attrs):
        if not attrs.get("user_id") and not attrs.get("handle"):
            raise serializers.ValidationError("Send user_id or handle.")
        return attrs


class HeartbeatSerializer(serializers.Serializer):
    client_id = serializers.RegexField(
        r"^[A-Za-z0-9_-]{8,64}$",
        required=False,
        help_text="Anonymous viewers: a stable id for this player (8-64 of letters, digits, - and _).",
    )


class TopTipperSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(read_only=True, allow_null=True, help_text="Null for an anonymous row.")
    handle = serializers.CharField(read_only=True, allow_null=True)
    display_name = serializers.CharField(read_only=True, allow_null=True)
    anonymous = serializers.BooleanField(
        read_only=True,
        help_text=(
            "A tipper's anonymous tips (or a deleted account's): ranked, without saying whose they are, "
            "to everyone, the streamer included."
        ),
    )
    currency = serializers.CharField(read_only=True)
    total = serializers.IntegerField(read_only=True, help_text="Minor units.")
    tips = serializers.IntegerField(read_only=True)


class TipTotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    totals = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Minor units by currency."
    )
    top_tippers = TopTipperSerializer(many=True, read_only=True)


class StreamMetricsSerializer(serializers.Serializer):
    stream_id = serializers.UUIDField(read_only=True)
    status = serializers.CharField(read_only=True)
    viewers = serializers.IntegerField(read_only=True, help_text="Concurrent viewers now.")
    peak_viewers = serializers.IntegerField(read_only=True)
    chat_messages_per_minute = serializers.IntegerField(read_only=True)
    tips = TipTotalsSerializer(read_only=True, help_text="Paid tips (refunded and disputed ones left out).")
    at = serializers.DateTimeField(read_only=True)
    average_viewers = serializers.FloatField(read_only=True)
    total_watch_seconds = serializers.FloatField(read_only=True)
    unique_viewers = serializers.IntegerField(read_only=True)
    chat_messages_count = serializers.IntegerField(read_only=True)
