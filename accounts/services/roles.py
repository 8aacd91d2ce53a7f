"""Granting and revoking roles. Only admins (``accounts.change_roles``) may do either."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import AuditLogEntry, User
from accounts.roles import STAFF_ROLES, Role
from accounts.services.audit import audit_record
from core.errors import ApplicationError, PermissionDeniedError


def _ensure_may_change_roles(*, by: User | None, user: User) -> None:
    if by is None:  # the system itself: a management command or a migration
        return
    if not by.has_perm("accounts.change_roles"):
        raise PermissionDeniedError("Only admins can change roles.", code="not_allowed")
    if by.pk == user.pk:
        raise PermissionDeniedError("Nobody can change their own roles.", code="not_allowed")


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ApplicationError(f"There is no role {role!r}.", code="unknown_role") from None


@transaction.atomic
def role_grant(*, user: User, role: str, by: User | None, reason: str = "") -> bool:
    """Give ``user`` a role. Staff roles make the account staff. Returns False if it had the role.

    ``by=None`` is the system (commands, demo data), recorded in the audit log without an actor.
    """
    role = _role(role)
    _ensure_may_change_roles(by=by, user=user)
    user = User.objects.select_for_update().get(pk=user.pk)
    group = Group.objects.get(name=role)
    if user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.add(group)
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff", "updated_at"])
    audit_record(
        actor=by, action=AuditLogEntry.Action.ROLE_GRANTED, target_user=user, reason=reason, details={"role": role}
    )
    return True


@transaction.atomic
def role_revoke(*, user: User, role: str, by: User | None, reason: str = "") -> bool:
    """Take a role away. Losing the last staff role ends staff access. Returns False if it lacked the role."""
    role = _role(role)
    if role == Role.USER:
        raise ApplicationError("Every account has the user role.", code="role_required")
    _ensure_may_change_roles(by=by, user=user)
    user = User.objects.select_for_update().get(pk=user.pk)
    group = Group.objects.get(name=role)
    if not user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.remove(group)
    still_staff = user.groups.filter(name__in=list(STAFF_ROLES)).exists()
    if user.is_staff and not still_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff", "updated_at"])
    audit_record(
        actor=by, action=AuditLogEntry.Action.ROLE_REVOKED, target_user=user, reason=reason, details={"role": role}
    )
    return True


def roles_assign_default(*, user: User) -> None:
    """Give a new account the user role (called when an account is created)."""
    user.groups.add(Group.objects.get(name=Role.USER))
