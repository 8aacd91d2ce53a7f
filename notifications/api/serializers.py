"""Shapes of the notifications API. Output serializers are read-only; rules live in services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.kinds import KIND_CHOICES, SENDER_RULES
from notifications.models import Notification, NotificationSettings, PushToken
from notifications.rendering import notification_text

_DATETIME = serializers.DateTimeField()  # stateless once built: formats with the settings' format


def _optional(convert, value):
    return None if value is None else convert(value)


class ActorSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    handle = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    avatar = serializers.SerializerMethodField()

    def get_avatar(self, user) -> str | None:
        return user.avatar.url if user.avatar else None


class TargetSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="`app_label.model` of the target.")
    id = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="The target's title when notified (kept if it is deleted).")


class ActionSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    action = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True, required=False)
    api = serializers.DictField(read_only=True, required=False, help_text="`{method, path}` of an API call.")


class NotificationGroupSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=KIND_CHOICES, read_only=True)
    priority = serializers.ChoiceField(choices=Notification.Priority.choices, read_only=True)
    text = serializers.SerializerMethodField()
    actor_count = serializers.IntegerField(read_only=True, help_text="Everyone in the group.")
    actors = serializers.SerializerMethodField(help_text="Up to 8 of the most recent actors.")
    target = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    data = serializers.JSONField(read_only=True)
    unread = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)
    seen_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_event_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, notification):
        if type(self) is not NotificationGroupSerializer:  # a subclass: DRF's generic walk
            return super().to_representation(notification)
        # The fields above, written out: what DRF's walk over them answers, value for value (str
        # for ids and choices, int counts, the data as stored, DateTimeField's format), in their
        # order; held to the walk by tests/notifications/test_serializer_shape.py. A page renders
        # 20 to 100 groups, and the walk cost a few calls per field of each.
        actors = self._actors(notification)
        return {
            "id": _optional(str, notification.id),
            "kind": _optional(str, notification.kind),
            "priority": _optional(str, notification.priority),
            "text": notification_text(notification=notification, actors=actors),
            "actor_count": _optional(int, notification.actor_count),
            "actors": [self._actor(actor) for actor in actors],
            "target": self.get_target(notification),
            "actions": self.get_actions(notification),
            "data": notification.data,
            "unread": notification.read_at is None,
            "read_at": _optional(_DATETIME.to_representation, notification.read_at),
            "seen_at": _optional(_DATETIME.to_representation, notification.seen_at),
            "created_at": _optional(_DATETIME.to_representation, notification.created_at),
            "last_event_at": _optional(_DATETIME.to_representation, notification.last_event_at),
            "expires_at": _optional(_DATETIME.to_representation, notification.expires_at),
        }

    @staticmethod
    def _actor(user) -> dict:
        # ActorSerializer's fields, written out.
        return {
            "id": _optional(str, user.id),
            "handle": _optional(str, user.handle),
            "display_name": _optional(str, user.display_name),
            "avatar": user.avatar.url if user.avatar else None,
        }

    def _actors(self, notification):
        return [link.actor for link in getattr(notification, "sample_actor_links", [])]

    def get_text(self, notification) -> str:
        return notification_text(notification=notification, actors=self._actors(notification))

    @extend_schema_field(ActorSerializer(many=True))
    def get_actors(self, notification):
        # One actor serializer per request (the context is the whole page's): a new list
        # serializer per notification made DRF deep-copy its fields for every row of the page.
        child = self.context.get("_actor_serializer")
        if child is None:
            child = self.context["_actor_serializer"] = ActorSerializer(context=self.context)
        return [child.to_representation(actor) for actor in self._actors(notification)]

    @extend_schema_field(TargetSerializer(allow_null=True))
    def get_target(self, notification):
        if notification.target_content_type is None:
            return None
        content_type = notification.target_content_type
        return {
            "type": f"{content_type.app_label}.{content_type.model}",
            "id": notification.target_object_id,
            "title": notification.target_title,
        }

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, notification):
        return notification.data.get("actions", [])

    def get_unread(self, notification) -> bool:
        return notification.read_at is None


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=100)


class MarkedSerializer(serializers.Serializer):
    updated = serializers.IntegerField(read_only=True, help_text="How many turned read.")


class ChannelsSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)
    sms = serializers.BooleanField(required=False, help_text="Only for critical kinds, always on.")


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES, read_only=True)
    label = serializers.CharField(read_only=True)
    critical = serializers.BooleanField(read_only=True, help_text="Cannot be turned off.")
    groupable = serializers.BooleanField(read_only=True)
    channels = ChannelsSerializer(read_only=True)
    sender_rule = serializers.ChoiceField(choices=SENDER_RULES, read_only=True)


class PreferencesSerializer(serializers.Serializer):
    kinds = serializers.SerializerMethodField()
    quiet_hours_start = serializers.TimeField(read_only=True, allow_null=True)
    quiet_hours_end = serializers.TimeField(read_only=True, allow_null=True)
    digest_frequency = serializers.ChoiceField(choices=NotificationSettings.Digest.choices, read_only=True)
    timezone = serializers.CharField(read_only=True, help_text="The account's time zone; quiet hours are in it.")

    @extend_schema_field(KindPreferenceSerializer(many=True))
    def get_kinds(self, prefs):
        return [
            {
                "kind": p.kind.name,
                "label": p.kind.label,
                "critical": p.kind.critical,
                "groupable": p.kind.groupable,
                "channels": p.channels,
                "sender_rule": p.sender_rule,
            }
            for p in prefs.kinds
        ]


class KindPreferenceChangeSerializer(serializers.Serializer):
    channels = ChannelsSerializer(required=False)
    sender_rule = serializers.ChoiceField(choices=SENDER_RULES, required=False)


class PreferencesChangeSerializer(serializers.Serializer):
    kinds = serializers.DictField(
        child=KindPreferenceChangeSerializer(), required=False, help_text="Keyed by kind; only what changes."
    )
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True)
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True)
    digest_frequency = serializers.ChoiceField(choices=NotificationSettings.Digest.choices, required=False)


class WebPushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class PushTokenRegisterSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=4000, help_text="FCM registration token, or the Web Push endpoint URL.")
    platform = serializers.ChoiceField(choices=PushToken.Platform.choices)
    app_version = serializers.CharField(max_length=40, required=False, default="")
    locale = serializers.CharField(max_length=35, required=False, default="")
    keys = WebPushKeysSerializer(required=False, help_text="The Web Push subscription's keys (web only).")


class PushTokenSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    platform = serializers.ChoiceField(choices=PushToken.Platform.choices, read_only=True)
    app_version = serializers.CharField(read_only=True)
    locale = serializers.CharField(read_only=True)
    device_id = serializers.UUIDField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class PushTokenUnregisterSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=4000)


class UnsubscribeSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class UnsubscribedSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text="The kind no longer emailed, or `digest`.")
    email = serializers.BooleanField(read_only=True)
