"""Login history: one append-only row per login attempt, range-partitioned by month."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import PartitionedModel


class LoginEvent(PartitionedModel):
    """An attempt to log in, successful or not. Written by ``accounts.services.access`` only."""

    class Reason(models.TextChoices):
        OK = "ok", "Logged in"
        INVALID_CREDENTIALS = "invalid_credentials", "Wrong email or password"
        SUSPENDED = "suspended", "Account suspended"
        BANNED = "banned", "Account banned"
        THROTTLED = "throttled", "Too many attempts"
        TWO_FACTOR_REQUIRED = "two_factor_required", "Password accepted, second factor asked"
        TWO_FACTOR_FAILED = "two_factor_failed", "Wrong second-factor code"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="login_events"
    )
    email = models.CharField(max_length=254, help_text="As typed.")
    success = models.BooleanField()
    reason = models.CharField(max_length=30, choices=Reason.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)

    class Meta(PartitionedModel.Meta):
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_loginevent_user_time")]

    def __str__(self) -> str:
        return f"{self.email} {self.reason} at {self.created_at:%Y-%m-%d %H:%M}"
