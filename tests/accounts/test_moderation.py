import datetime as dt

import pytest
from django.core import mail
from django.db import ProgrammingError, transaction
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import Appeal, AuditLogEntry, ModerationAction
from accounts.services import moderation
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one"), "moderator")


@pytest.fixture
def other_moderator():
    return with_role(UserFactory(handle="mod_two"), "moderator")


@pytest.fixture
def target():
    return UserFactory(handle="target")


def in_days(days):
    return timezone.now() + dt.timedelta(days=days)


def signed_in(user):
    """A real session and a real knox token for ``user``."""
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    AuthToken.objects.create(user=user)
    return client


def test_a_warning_is_recorded_with_its_reference_and_the_user_is_told(
    moderator, target, django_capture_on_commit_callbacks
):
    offending = UserFactory(handle="evidence")

    with django_capture_on_commit_callbacks(execute=True):
        action = moderation.user_warn(user=target, by=moderator, reason="Spam", severity="low", reference=offending)

    action.refresh_from_db()
    assert (action.kind, action.severity, action.reason, action.created_by) == ("warning", "low", "Spam", moderator)
    assert (action.reference_type.model, action.reference_id, action.reference_label) == (
        "user",
        str(offending.pk),
        "@evidence",
    )
    assert AuditLogEntry.objects.get(target_user=target).action == "warning_issued"
    assert [m.subject for m in mail.outbox] == ["You received a warning"]
    target.refresh_from_db()
    assert target.suspended_until is None
    assert target.banned_at is None


def test_a_suspension_ends_every_session_and_token(moderator, target):
    # Sessions made by Django's own login (as the admin and the studio do), with no device row.
    target_browser = signed_in(target)
    bystander = UserFactory()
    bystander_browser = signed_in(bystander)
    assert target_browser.get("/studio/").status_code == 200
    until = in_days(7)

    moderation.user_suspend(user=target, by=moderator, reason="Harassment", until=until)

    target.refresh_from_db()
    assert target.suspended_until == until
    assert not AuthToken.objects.filter(user=target).exists()
    assert target_browser.get("/studio/").status_code == 302  # back to the login page
    assert target_browser.get("/api/v1/accounts/me/moderation-actions/").status_code == 401
    assert bystander_browser.get("/studio/").status_code == 200
    assert AuthToken.objects.filter(user=bystander).count() == 1


@pytest.mark.parametrize("days", [-1, 0, 366])
def test_a_suspension_must_end_within_a_year_in_the_future(moderator, target, days):
    with pytest.raises(ApplicationError) as caught:
        moderation.user_suspend(user=target, by=moderator, reason="x", until=in_days(days))

    assert caught.value.code == "invalid_until"
    assert not ModerationAction.objects.exists()


def test_a_ban_ends_access_and_a_second_ban_conflicts(moderator, target):
    signed_in(target)

    moderation.user_ban(user=target, by=moderator, reason="Fraud")
    with pytest.raises(ConflictError) as caught:
        moderation.user_ban(user=target, by=moderator, reason="Again")

    target.refresh_from_db()
    assert target.banned_at is not None
    assert not AuthToken.objects.filter(user=target).exists()
    assert caught.value.code == "already_banned"
    assert ModerationAction.objects.filter(kind="ban").count() == 1


def test_lifting_recomputes_the_standing_from_what_remains(moderator, target):
    short = moderation.user_suspend(user=target, by=moderator, reason="a", until=in_days(3))
    long = moderation.user_suspend(user=target, by=moderator, reason="b", until=in_days(10))

    moderation.moderation_action_lift(action=long, by=moderator, reason="Too harsh")
    target.refresh_from_db()
    assert target.suspended_until == short.ends_at

    moderation.moderation_action_lift(action=short, by=moderator, reason="Resolved")
    target.refresh_from_db()
    assert target.suspended_until is None


def test_lifting_a_ban_restores_the_account_and_twice_conflicts(moderator, target):
    ban = moderation.user_ban(user=target, by=moderator, reason="Fraud")

    moderation.moderation_action_lift(action=ban, by=moderator, reason="Mistaken identity")
    with pytest.raises(ConflictError) as caught:
        moderation.moderation_action_lift(action=ban, by=moderator, reason="again")

    target.refresh_from_db()
    assert target.banned_at is None
    assert caught.value.code == "already_lifted"
    assert list(AuditLogEntry.objects.filter(target_user=target).values_list("action", flat=True).order_by("id")) == [
        "banned",
        "action_lifted",
    ]


def test_moderators_cannot_act_on_staff_themselves_or_superusers(moderator, other_moderator):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    plain = UserFactory()

    for victim in (other_moderator, moderator, superuser):
        with pytest.raises(PermissionDeniedError):
            moderation.user_warn(user=victim, by=moderator, reason="x")
    with pytest.raises(PermissionDeniedError):
        moderation.user_ban(user=UserFactory(), by=plain, reason="not a moderator")
    assert not ModerationAction.objects.exists()


def test_an_admin_can_act_on_a_moderator(moderator):
    admin = with_role(UserFactory(), "admin")

    action = moderation.user_suspend(user=moderator, by=admin, reason="Abuse of tools", until=in_days(1))

    assert action.user == moderator


def test_the_target_appeals_once_and_another_moderator_accepts(
    moderator, other_moderator, target, django_capture_on_commit_callbacks
):
    suspension = moderation.user_suspend(user=target, by=moderator, reason="Spam", until=in_days(5))

    appeal = moderation.appeal_submit(action=suspension, user=target, message="It was a giveaway I ran.")
    with pytest.raises(ConflictError) as twice:
        moderation.appeal_submit(action=suspension, user=target, message="Again")
    with pytest.raises(PermissionDeniedError):
        moderation.appeal_decide(appeal=appeal, by=moderator, accept=True, reason="My own call")
    with django_capture_on_commit_callbacks(execute=True):
        decided = moderation.appeal_decide(appeal=appeal, by=other_moderator, accept=True, reason="Legit giveaway")

    assert twice.value.code == "appeal_exists"
    assert (decided.status, decided.decided_by, decided.decision_reason) == (
        "accepted",
        other_moderator,
        "Legit giveaway",
    )
    suspension.refresh_from_db()
    target.refresh_from_db()
    assert suspension.lifted_by == other_moderator
    assert suspension.lift_reason == "Appeal accepted: Legit giveaway"
    assert target.suspended_until is None
    assert mail.outbox[-1].subject == "Your appeal was accepted"


def test_a_rejected_appeal_leaves_the_action_and_cannot_be_decided_again(moderator, other_moderator, target):
    ban = moderation.user_ban(user=target, by=moderator, reason="Fraud")
    appeal = moderation.appeal_submit(action=ban, user=target, message="Please")

    moderation.appeal_decide(appeal=appeal, by=other_moderator, accept=False, reason="Evidence is clear")
    with pytest.raises(ConflictError) as caught:
        moderation.appeal_decide(appeal=appeal, by=other_moderator, accept=True, reason="Changed my mind")

    assert caught.value.code == "appeal_decided"
    target.refresh_from_db()
    assert target.banned_at is not None
    assert Appeal.objects.get().status == "rejected"


def test_only_the_target_can_appeal(moderator, target):
    warning = moderation.user_warn(user=target, by=moderator, reason="x")

    with pytest.raises(NotFoundError):
        moderation.appeal_submit(action=warning, user=UserFactory(), message="Not mine")


def test_an_appeal_token_names_one_action_of_one_user(moderator, target):
    ban = moderation.user_ban(user=target, by=moderator, reason="Fraud")
    warning = moderation.user_warn(user=UserFactory(), by=moderator, reason="x")
    token = moderation.appeal_token_for(action=ban)

    assert moderation.appeal_token_valid(token=token, action=ban)
    assert not moderation.appeal_token_valid(token=token, action=warning)
    assert not moderation.appeal_token_valid(token=token + "x", action=ban)


def test_the_audit_log_refuses_changes_and_deletions(moderator, target):
    moderation.user_warn(user=target, by=moderator, reason="x")
    entry = AuditLogEntry.objects.get()

    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).delete()

    entry.refresh_from_db()
    assert entry.reason == "x"


def test_the_audit_log_keeps_entries_when_an_account_is_removed(moderator, target):
    moderation.user_warn(user=target, by=moderator, reason="x")

    target.hard_delete()

    entry = AuditLogEntry.objects.get()
    assert (entry.target_user, entry.actor, entry.action) == (None, moderator, "warning_issued")
