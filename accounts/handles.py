"""Handles: the public @name of an account."""

import re

from django.core.exceptions import ValidationError

HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9_]{3,30}$")
# Names that would read as the platform speaking, or collide with routes.
RESERVED_HANDLES = frozenset(
    {
        "admin", "administrator", "api", "studio", "static", "media", "ws", "healthz", "help",
        "support", "settings", "me", "root", "system", "fanfare", "moderator", "staff", "null",
        "undefined", "security", "about", "login", "logout", "signup", "register", "appeals", "export",
    }
)  # fmt: skip


# Purged accounts keep a tombstone handle of this form (accounts.services.deletion).
TOMBSTONE_PREFIX = "deleted_"


def validate_handle(value: str) -> None:
    if not HANDLE_PATTERN.match(value or ""):
        raise ValidationError("A handle is 3 to 30 letters, digits or underscores.", code="invalid_handle")
    if value.lower() in RESERVED_HANDLES or value.lower().startswith(TOMBSTONE_PREFIX):
        raise ValidationError("This handle is reserved.", code="handle_reserved")
