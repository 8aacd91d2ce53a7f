"""Accounts' models, one module per model or close family of models."""

from accounts.models.moderation import Appeal, AuditLogEntry, ModerationAction
from accounts.models.user import User, UserManager

__all__ = ["Appeal", "AuditLogEntry", "ModerationAction", "User", "UserManager"]
