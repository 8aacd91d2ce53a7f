import pytest
from django.contrib.auth.models import Group

from accounts import services
from accounts.models import AuditLogEntry
from accounts.roles import ROLE_PERMISSIONS, Role
from accounts.services import roles
from core.errors import ApplicationError, PermissionDeniedError
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def test_the_migration_made_each_role_with_its_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions__content_type")}

    assert set(groups) == set(Role.values)
    for role, permissions in ROLE_PERMISSIONS.items():
        granted = {(p.content_type.app_label, p.codename) for p in groups[role].permissions.all()}
        assert granted == set(permissions), role


@pytest.mark.parametrize(
    ("role", "moderate", "review", "change_roles"),
    [
        ("user", False, False, False),
        ("creator", False, False, False),
        ("advertiser", False, False, False),
        ("moderator", True, True, False),
        ("finance", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_each_roles_permissions(role, moderate, review, change_roles):
    user = with_role(UserFactory(), role)

    assert user.has_perm("accounts.moderate_users") is moderate
    assert user.has_perm("accounts.review_appeals") is review
    assert user.has_perm("accounts.change_roles") is change_roles


def test_a_new_account_has_the_user_role():
    user = services.user_create(email="new@example.com", handle="newbie", password="a long enough passphrase")

    assert list(user.groups.values_list("name", flat=True)) == ["user"]


def test_an_admin_grants_a_staff_role_and_it_is_recorded():
    admin = with_role(UserFactory(), "admin")
    user = UserFactory()

    changed = roles.role_grant(user=user, role="moderator", by=admin, reason="New hire")

    user.refresh_from_db()
    assert changed is True
    assert user.is_staff
    assert user.groups.filter(name="moderator").exists()
    entry = AuditLogEntry.objects.get(target_user=user)
    assert (entry.actor, entry.action, entry.reason, entry.details) == (
        admin,
        "role_granted",
        "New hire",
        {"role": "moderator"},
    )


def test_granting_a_role_twice_changes_nothing_the_second_time():
    admin = with_role(UserFactory(), "admin")
    user = UserFactory()
    roles.role_grant(user=user, role="creator", by=admin)

    assert roles.role_grant(user=user, role="creator", by=admin) is False
    assert AuditLogEntry.objects.filter(target_user=user).count() == 1


def test_losing_the_last_staff_role_ends_staff_access():
    admin = with_role(UserFactory(), "admin")
    user = with_role(UserFactory(), "moderator", "finance")

    roles.role_revoke(user=user, role="moderator", by=admin)
    user.refresh_from_db()
    assert user.is_staff
    roles.role_revoke(user=user, role="finance", by=admin)
    user.refresh_from_db()
    assert not user.is_staff


@pytest.mark.parametrize("by_role", ["user", "moderator", "finance"])
def test_only_admins_change_roles(by_role):
    by = with_role(UserFactory(), by_role)

    with pytest.raises(PermissionDeniedError) as caught:
        roles.role_grant(user=UserFactory(), role="creator", by=by)

    assert caught.value.code == "not_allowed"


def test_nobody_changes_their_own_roles():
    admin = with_role(UserFactory(), "admin")

    with pytest.raises(PermissionDeniedError):
        roles.role_revoke(user=admin, role="admin", by=admin)


@pytest.mark.parametrize(("role", "code"), [("overlord", "unknown_role")])
def test_unknown_roles_are_refused(role, code):
    admin = with_role(UserFactory(), "admin")

    with pytest.raises(ApplicationError) as caught:
        roles.role_grant(user=UserFactory(), role=role, by=admin)

    assert caught.value.code == code


def test_the_user_role_cannot_be_taken_away():
    admin = with_role(UserFactory(), "admin")

    with pytest.raises(ApplicationError) as caught:
        roles.role_revoke(user=UserFactory(), role="user", by=admin)

    assert caught.value.code == "role_required"
