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
    """Append one entry to the audit log (in the caller's transaction), and tell the listeners."""
    entry = AuditLogEntry.objects.create(
        actor=actor, action=action, target_user=target_user, reason=reason, details=details or {}
    )
    for listener in audit_listeners:
        listener(entry=entry)
    return entry


# Other apps that keep their own record of these entries (moderation's log) register a listener:
# listener(entry=...) runs in the same transaction, right after the entry is written.
audit_listeners: list = []


def register_audit_listener(listener) -> None:
    if listener not in audit_listeners:
        audit_listeners.append(listener)
