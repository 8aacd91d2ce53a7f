"""Accounts' models, one module per model or close family of models."""

from accounts.models.device import AuthDevice
from accounts.models.export import DataExport
from accounts.models.login_event import LoginEvent
from accounts.models.moderation import Appeal, AuditLogEntry, ModerationAction
from accounts.models.user import User, UserManager

__all__ = [
    "Appeal",
    "AuditLogEntry",
    "AuthDevice",
    "DataExport",
    "LoginEvent",
    "ModerationAction",
    "User",
    "UserManager",
]
