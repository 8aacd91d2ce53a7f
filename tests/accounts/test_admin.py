"""The admin as moderators use it: a verified session, bulk actions with a reason page."""

import pytest
from django.test import Client

from accounts.models import Appeal, AuditLogEntry, ModerationAction
from accounts.services import moderation
from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def admin_client(user):
    return verified_client(user)


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one", display_name="Mod One"), "moderator")


def test_the_admin_needs_a_second_factor(moderator):
    client = Client()
    client.force_login(moderator)

    assert client.get("/admin/accounts/user/").status_code == 302
    assert admin_client(moderator).get("/admin/accounts/user/").status_code == 200


def test_moderators_find_users_by_email_or_handle(moderator):
    # Display names are searched too: fixed ones, so a random name (say "Hayes") cannot match.
    UserFactory(email="needle@example.com", handle="needle", display_name="Needle")
    UserFactory(email="hay@example.com", handle="hay", display_name="Straw")
    client = admin_client(moderator)

    by_email = client.get("/admin/accounts/user/?q=needle@")
    by_handle = client.get("/admin/accounts/user/?q=hay")

    assert [u.handle for u in by_email.context["cl"].result_list] == ["needle"]
    assert [u.handle for u in by_handle.context["cl"].result_list] == ["hay"]


def test_bulk_suspension_asks_for_a_reason_then_suspends_each_user(moderator):
    users = [UserFactory(), UserFactory()]
    client = admin_client(moderator)
    selection = {"action": "suspend_users", "_selected_action": [str(u.pk) for u in users]}

    page = client.post("/admin/accounts/user/", selection)
    assert page.status_code == 200
    assert page.template_name == "admin/core/reason_form.html"
    assert not ModerationAction.objects.exists()

    done = client.post("/admin/accounts/user/", {**selection, "apply": "1", "reason": "Raid", "days": "3"})

    assert done.status_code == 302
    assert ModerationAction.objects.filter(kind="suspension", reason="Raid").count() == 2
    for user in users:
        user.refresh_from_db()
        assert user.suspended_until is not None


def test_bulk_ban_reports_the_users_it_could_not_ban(moderator):
    staff = with_role(UserFactory(handle="other_mod"), "moderator")
    plain = UserFactory(handle="plain")
    client = admin_client(moderator)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "ban_users", "_selected_action": [str(staff.pk), str(plain.pk)], "apply": "1", "reason": "Spam"},
        follow=True,
    )

    shown = [str(m) for m in response.context["messages"]]
    assert "Ban users: 1 done." in shown
    assert "@other_mod: Only admins can act on staff accounts." in shown
    assert list(ModerationAction.objects.values_list("user__handle", flat=True)) == ["plain"]


def test_a_missing_reason_keeps_the_form(moderator):
    user = UserFactory()

    response = admin_client(moderator).post(
        "/admin/accounts/user/",
        {"action": "warn_users", "_selected_action": [str(user.pk)], "apply": "1", "reason": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert not ModerationAction.objects.exists()


def test_finance_staff_do_not_get_moderation_actions():
    finance = with_role(UserFactory(), "finance")

    response = admin_client(finance).get("/admin/accounts/user/")

    assert response.status_code == 200
    assert response.context["action_form"] is None  # no bulk action is open to finance here


def test_appeals_are_decided_from_the_admin(moderator):
    reviewer = with_role(UserFactory(), "moderator")
    target = UserFactory()
    ban = moderation.user_ban(user=target, by=moderator, reason="Fraud")
    appeal = moderation.appeal_submit(action=ban, user=target, message="Not me")

    admin_client(reviewer).post(
        "/admin/accounts/appeal/",
        {"action": "accept_appeals", "_selected_action": [str(appeal.pk)], "apply": "1", "reason": "Verified ID"},
    )

    appeal.refresh_from_db()
    target.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED
    assert target.banned_at is None


def test_the_audit_log_is_read_only_in_the_admin(moderator):
    admin = with_role(UserFactory(), "admin")
    moderation.user_warn(user=UserFactory(), by=moderator, reason="x")
    entry = AuditLogEntry.objects.get()
    client = admin_client(admin)

    assert client.get("/admin/accounts/auditlogentry/").status_code == 200
    assert client.get(f"/admin/accounts/auditlogentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/accounts/auditlogentry/add/").status_code == 403


def test_moderators_find_accounts_by_the_ip_they_logged_in_from(moderator):
    from accounts.models import AuthDevice, LoginEvent

    by_event = UserFactory(handle="from_event")
    by_device = UserFactory(handle="from_device")
    UserFactory(handle="elsewhere")
    LoginEvent.objects.create(
        user=by_event, email=by_event.email, success=False, reason="invalid_credentials", ip="198.51.100.7"
    )
    AuthDevice.objects.create(user=by_device, kind="token", token_key="abcdefgh", last_ip="198.51.100.7")
    LoginEvent.objects.create(
        user=None, email="nobody@example.com", success=False, reason="invalid_credentials", ip="198.51.100.7"
    )

    response = admin_client(moderator).get("/admin/accounts/user/?q=198.51.100.7")

    assert sorted(u.handle for u in response.context["cl"].result_list) == ["from_device", "from_event"]


def test_a_users_page_shows_their_latest_logins(moderator):
    from accounts.models import LoginEvent

    user = UserFactory()
    LoginEvent.objects.create(
        user=user, email=user.email, success=True, reason="ok", ip="203.0.113.5", user_agent="Firefox"
    )

    page = admin_client(moderator).get(f"/admin/accounts/user/{user.pk}/change/")

    assert page.status_code == 200
    assert "203.0.113.5" in page.content.decode()
