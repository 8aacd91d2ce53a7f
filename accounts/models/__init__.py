"""Accounts' models, one module per model or close family of models."""

from accounts.models.export import DataExport
from accounts.models.user import User, UserManager

__all__ = ["DataExport", "User", "UserManager"]
