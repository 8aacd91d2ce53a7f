"""DRF permissions of accounts, for every app's views."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission


class EmailUnverified(exceptions.PermissionDenied):
    default_detail = "Verify your email address first."
    default_code = "email_unverified"


class IsEmailVerified(BasePermission):
    """Reading is for everyone; writing needs a verified email once signed in.

    Safe methods always pass. An unsafe method by a signed-in user without a verified email is
    refused with 403 ``email_unverified``. Anonymous callers pass here: pair it with an
    authentication permission (``IsAuthenticatedOrReadOnly``) to keep them out.
    """

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        if user and user.is_authenticated and getattr(user, "email_verified_at", None) is None:
            raise EmailUnverified()
        return True
