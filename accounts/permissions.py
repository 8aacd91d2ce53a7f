"""DRF permissions of accounts, for every app's views: verified email, roles, ownership.

Staff access (staff with a second factor) is in accounts.otp_permissions.
"""

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


class HasPermission(BasePermission):
    """``HasPermission.of("accounts.moderate_users")``: the user's roles grant that permission."""

    required: str = ""

    @classmethod
    def of(cls, permission: str) -> type[HasPermission]:
        return type(f"Has_{permission.replace('.', '_')}", (cls,), {"required": permission})

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(self.required))


class IsOwner(BasePermission):
    """Object ownership, checked in one place: the object's ``user`` (or ``owner``) is the caller."""

    def has_object_permission(self, request, view, obj):
        owner_id = getattr(obj, "user_id", None) or getattr(obj, "owner_id", None)
        return owner_id is not None and owner_id == request.user.pk
