"""An account's standing: whether a ban or suspension keeps it from signing in and writing."""

from __future__ import annotations

from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError


def standing_error(user) -> ApplicationError | None:
    """The error a banned (``account_banned``) or suspended (``account_suspended``) user gets, else None."""
    if user.banned_at is not None:
        return PermissionDeniedError("This account is banned.", code="account_banned")
    if user.suspended_until is not None and user.suspended_until > timezone.now():
        return PermissionDeniedError(
            f"This account is suspended until {user.suspended_until:%Y-%m-%d %H:%M} UTC.",
            code="account_suspended",
            extra={"until": user.suspended_until.isoformat()},
        )
    return None
