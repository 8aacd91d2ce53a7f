"""A signed-in device: one row per browser session or API token, created at login."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class AuthDevice(BaseModel):
    """A session or a knox token of a user, with what we know of the device behind it.

    Transitions: active (``revoked_at`` null) -> revoked (``revoked_at`` set), once, by
    ``accounts.services.access``. A revoked device's token or session no longer authenticates;
    the row stays, so a later login from the same user agent is not "a new device".
    """

    class Kind(models.TextChoices):
        SESSION = "session", "Browser session"
        TOKEN = "token", "API token"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_devices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The knox token's public key (its first characters), for a token device.
    token_key = models.CharField(max_length=25, blank=True, db_index=True)
    # SHA-256 (hex) of the session key, for a session device; never the key itself.
    session_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    name = models.CharField(max_length=100, blank=True, help_text="Browser and OS, or the name the client gave.")
    platform = models.CharField(max_length=50, blank=True)
    user_agent = models.TextField(blank=True)
    # SHA-256 (hex) of the User-Agent header: how "a device seen before" is recognised.
    user_agent_fingerprint = models.CharField(max_length=64, blank=True)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    two_factor_verified = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["user", "user_agent_fingerprint"], name="accounts_authdevice_user_ua")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="token", session_key_hash="") & ~models.Q(token_key="")
                    | models.Q(kind="session", token_key="") & ~models.Q(session_key_hash="")
                ),
                name="accounts_authdevice_key_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.kind} of {self.user_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
