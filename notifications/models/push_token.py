"""A push token of one app install or browser."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class PushToken(BaseModel):
    """FCM registration token (android, ios) or Web Push subscription endpoint (web, with its
    ``web_push_keys``: p256dh and auth).

    ``device_id`` is the :class:`accounts.AuthDevice` the token was registered from, as a plain
    column (notifications calls no other app's models); when that device is revoked, accounts
    calls ``push_tokens_disable_for_devices``.

    Transitions: active (``disabled_at`` null) -> disabled, when the provider reports the token
    invalid, after ``PUSH_MAX_CONSECUTIVE_FAILURES`` failures in a row, when its device is
    revoked, or when it is unregistered. Registering the token again re-enables it.
    """

    class Platform(models.TextChoices):
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        WEB = "web", "Web"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_tokens")
    token = models.TextField(unique=True)
    platform = models.CharField(max_length=10, choices=Platform.choices)
    web_push_keys = models.JSONField(default=dict, blank=True)
    app_version = models.CharField(max_length=40, blank=True)
    locale = models.CharField(max_length=35, blank=True)
    device_id = models.UUIDField(null=True, blank=True, db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    failure_count = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=100, blank=True)

    class Meta(BaseModel.Meta):
        indexes = [
            models.Index(fields=["user"], name="pushtoken_active", condition=models.Q(disabled_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(platform__in=["android", "ios", "web"]), name="pushtoken_platform_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} token of {self.user_id}"
