"""DRF permission classes for accounts: roles and ownership (staff access: accounts.otp_permissions)."""

from rest_framework.permissions import BasePermission


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
