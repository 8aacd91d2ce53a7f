"""DRF permission classes for accounts: roles, ownership and staff access."""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def second_factor_verified(request) -> bool:
    """Whether this request's session passed a second factor (django-otp's middleware sets it)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


class IsStaffWithSecondFactor(BasePermission):
    """Staff endpoints: a staff account whose sign-in passed a second factor (``second_factor_required``)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        if not second_factor_verified(request):
            raise PermissionDenied(
                "Staff endpoints need a sign-in with a second factor.", code="second_factor_required"
            )
        return True


class HasPermission(BasePermission):
    """``HasPermission.of("accounts.moderate_users")``: the user's roles grant that permission."""

    required: str = ""

    @classmethod
    def of(cls, permission: str) -> type["HasPermission"]:
        return type(f"Has_{permission.replace('.', '_')}", (cls,), {"required": permission})

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(self.required))


class IsOwner(BasePermission):
    """Object ownership, checked in one place: the object's ``user`` (or ``owner``) is the caller."""

    def has_object_permission(self, request, view, obj):
        owner_id = getattr(obj, "user_id", None) or getattr(obj, "owner_id", None)
        return owner_id is not None and owner_id == request.user.pk
