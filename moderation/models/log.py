"""The platform's one moderation log: every action, from the admin, the API, accounts' own
screens and streams' chat moderators. Append-only in the database (migration 0002)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class ModerationLogEntry(BaseModel):
    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "Staff API"
        ACCOUNTS = "accounts", "Accounts (staff API or admin)"
        STREAM_CHAT = "stream_chat", "Stream chat moderators"
        SYSTEM = "system", "System"

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=12, choices=Source.choices)
    action = models.CharField(max_length=32, db_index=True)
    target_type = models.CharField(max_length=20, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    case_id = models.UUIDField(null=True, blank=True, db_index=True)
    decision_id = models.UUIDField(null=True, blank=True)
    rule = models.CharField(max_length=120, blank=True, default="", help_text="The rule's title when it was cited.")
    reason = models.TextField(blank=True, default="")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
        verbose_name_plural = "moderation log entries"
        indexes = [
            models.Index(fields=["actor", "-id"], name="moderation_log_actor"),
            models.Index(fields=["target_user", "-id"], name="moderation_log_target_user"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"
