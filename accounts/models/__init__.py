"""Accounts' models, one module per model or close family of models."""

from accounts.models.user import User, UserManager

__all__ = ["User", "UserManager"]
