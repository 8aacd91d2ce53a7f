from __future__ import annotations

from typing import Any

from accounts.models import AuditLogEntry, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    target_user: User | None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append one entry to the audit log (in the caller's transaction)."""
    return AuditLogEntry.objects.create(
        actor=actor, action=action, target_user=target_user, reason=reason, details=details or {}
    )
