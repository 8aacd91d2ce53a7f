import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Appeal, ModerationAction
from accounts.services import moderation
from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def staff_client(user, *, second_factor=True):
    return verified_client(user, api=True, second_factor=second_factor)


def code_of(response):
    return response.json()["errors"][0]["code"]


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one"), "moderator")


@pytest.fixture
def target():
    return UserFactory(handle="target")


def soon(days=7):
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def test_staff_endpoints_refuse_anonymous_and_plain_users(target):
    url = f"/api/v1/staff/users/{target.id}/warnings/"

    assert APIClient().post(url, {"reason": "x"}).status_code == 401
    plain = APIClient()
    plain.force_login(UserFactory())
    response = plain.post(url, {"reason": "x"})
    assert response.status_code == 403
    assert code_of(response) == "staff_only"


def test_staff_endpoints_need_a_second_factor(moderator, target):
    client = staff_client(moderator, second_factor=False)

    response = client.post(f"/api/v1/staff/users/{target.id}/warnings/", {"reason": "x"})

    assert response.status_code == 403
    assert code_of(response) == "second_factor_required"


@pytest.mark.parametrize("role", ["finance", "creator"])
def test_staff_without_the_moderation_permission_are_refused(role, target):
    client = staff_client(with_role(UserFactory(), role, "finance"))

    response = client.post(f"/api/v1/staff/users/{target.id}/bans/", {"reason": "x"})

    assert response.status_code == 403
    assert not ModerationAction.objects.exists()


def test_a_moderator_warns_with_a_reference(moderator, target):
    evidence = UserFactory(handle="evidence")

    response = staff_client(moderator).post(
        f"/api/v1/staff/users/{target.id}/warnings/",
        {"reason": "Spam", "severity": "high", "reference": {"type": "accounts.user", "id": str(evidence.id)}},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("kind", "severity", "reason", "ends_at", "lifted_at", "appeal", "created_by")} == {
        "kind": "warning",
        "severity": "high",
        "reason": "Spam",
        "ends_at": None,
        "lifted_at": None,
        "appeal": None,
        "created_by": "mod_one",
    }
    assert body["reference"] == {"type": "accounts.user", "id": str(evidence.id), "label": "@evidence"}


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({"severity": "low"}, "reason", "required"),
        ({"reason": "x", "severity": "extreme"}, "severity", "invalid_choice"),
        (
            {"reason": "x", "reference": {"type": "nope.thing", "id": "1"}},
            "reference.non_field_errors",
            "invalid_reference",
        ),
    ],
)
def test_bad_warnings_are_refused_field_by_field(moderator, target, payload, attr, code):
    response = staff_client(moderator).post(f"/api/v1/staff/users/{target.id}/warnings/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr
    assert code_of(response) == code


def test_suspend_then_lift_through_the_api(moderator, target):
    client = staff_client(moderator)
    until = soon()

    created = client.post(f"/api/v1/staff/users/{target.id}/suspensions/", {"reason": "Abuse", "until": until})
    lifted = client.post(f"/api/v1/staff/moderation-actions/{created.json()['id']}/lift/", {"reason": "Mistake"})
    again = client.post(f"/api/v1/staff/moderation-actions/{created.json()['id']}/lift/", {"reason": "Mistake"})

    assert created.status_code == 201
    assert created.json()["ends_at"] is not None
    assert lifted.status_code == 200
    assert lifted.json()["lift_reason"] == "Mistake"
    assert again.status_code == 409
    assert code_of(again) == "already_lifted"
    target.refresh_from_db()
    assert target.suspended_until is None


def test_a_suspension_in_the_past_is_refused(moderator, target):
    response = staff_client(moderator).post(
        f"/api/v1/staff/users/{target.id}/suspensions/", {"reason": "x", "until": soon(-1)}
    )

    assert response.status_code == 400
    assert code_of(response) == "invalid_until"


def test_ban_twice_conflicts_and_unknown_users_are_404(moderator, target):
    client = staff_client(moderator)

    first = client.post(f"/api/v1/staff/users/{target.id}/bans/", {"reason": "Fraud"})
    second = client.post(f"/api/v1/staff/users/{target.id}/bans/", {"reason": "Fraud"})
    missing = client.post("/api/v1/staff/users/00000000-0000-7000-8000-000000000000/bans/", {"reason": "x"})

    assert (first.status_code, second.status_code, missing.status_code) == (201, 409, 404)
    assert code_of(second) == "already_banned"


@pytest.mark.parametrize("page_size", [2, 20])
def test_a_users_record_lists_in_bounded_queries(moderator, target, django_assert_max_num_queries, page_size):
    for n in range(6):
        moderation.user_warn(user=target, by=moderator, reason=f"warning {n}")
    client = staff_client(moderator)

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/staff/users/{target.id}/moderation-actions/?page_size={page_size}")

    assert response.status_code == 200
    assert [a["reason"] for a in response.json()["results"]] == [f"warning {n}" for n in range(5, -1, -1)][:page_size]


def test_roles_through_the_api_only_for_admins(moderator, target):
    admin = with_role(UserFactory(), "admin")

    refused = staff_client(moderator).put(f"/api/v1/staff/users/{target.id}/roles/creator/", {})
    granted = staff_client(admin).put(f"/api/v1/staff/users/{target.id}/roles/creator/", {"reason": "Verified"})
    unknown = staff_client(admin).put(f"/api/v1/staff/users/{target.id}/roles/emperor/", {})
    revoked = staff_client(admin).delete(f"/api/v1/staff/users/{target.id}/roles/creator/", {}, format="json")

    assert refused.status_code == 403
    assert granted.json() == {"role": "creator", "granted": True, "changed": True}
    assert (unknown.status_code, code_of(unknown)) == (400, "unknown_role")
    assert revoked.json() == {"role": "creator", "granted": False, "changed": True}


def test_users_read_their_own_record_only(moderator, target):
    moderation.user_warn(user=target, by=moderator, reason="Mine")
    moderation.user_warn(user=UserFactory(), by=moderator, reason="Someone else's")
    client = APIClient()
    client.force_login(target)

    response = client.get("/api/v1/accounts/me/moderation-actions/")

    assert [a["reason"] for a in response.json()["results"]] == ["Mine"]
    assert "created_by" not in response.json()["results"][0]
    assert APIClient().get("/api/v1/accounts/me/moderation-actions/").status_code == 401


def test_a_warned_user_appeals_while_signed_in(moderator, target):
    warning = moderation.user_warn(user=target, by=moderator, reason="Spam")
    client = APIClient()
    client.force_login(target)

    response = client.post("/api/v1/accounts/appeals/", {"action": str(warning.id), "message": "Not spam"})
    again = client.post("/api/v1/accounts/appeals/", {"action": str(warning.id), "message": "Again"})

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert (again.status_code, code_of(again)) == (409, "appeal_exists")


def test_a_banned_user_appeals_with_the_appeal_token(moderator, target):
    ban = moderation.user_ban(user=target, by=moderator, reason="Fraud")
    token = moderation.appeal_token_for(action=ban)

    response = APIClient().post(
        "/api/v1/accounts/appeals/", {"action": str(ban.id), "message": "Wrong person", "appeal_token": token}
    )
    forged = APIClient().post(
        "/api/v1/accounts/appeals/", {"action": str(ban.id), "message": "x", "appeal_token": token[:-2] + "xx"}
    )

    assert response.status_code == 201
    assert Appeal.objects.get().user == target
    assert forged.status_code == 404


def test_nobody_else_appeals_an_action(moderator, target):
    warning = moderation.user_warn(user=target, by=moderator, reason="Spam")
    stranger = APIClient()
    stranger.force_login(UserFactory())

    assert stranger.post("/api/v1/accounts/appeals/", {"action": str(warning.id), "message": "x"}).status_code == 404
    assert APIClient().post("/api/v1/accounts/appeals/", {"action": str(warning.id), "message": "x"}).status_code == 404


def test_the_appeal_queue_and_decision(moderator, target):
    reviewer = with_role(UserFactory(handle="reviewer"), "moderator")
    ban = moderation.user_ban(user=target, by=moderator, reason="Fraud")
    appeal = moderation.appeal_submit(action=ban, user=target, message="Please")
    client = staff_client(reviewer)

    queue = client.get("/api/v1/staff/appeals/?status=pending")
    decided = client.post(f"/api/v1/staff/appeals/{appeal.id}/decision/", {"accept": True, "reason": "Proven"})
    own = staff_client(moderator).post(f"/api/v1/staff/appeals/{appeal.id}/decision/", {"accept": False, "reason": "x"})

    assert [(a["user"], a["status"], a["action"]["kind"]) for a in queue.json()["results"]] == [
        ("target", "pending", "ban")
    ]
    assert decided.status_code == 200
    assert decided.json()["status"] == "accepted"
    assert (own.status_code, code_of(own)) == (403, "not_allowed")
    target.refresh_from_db()
    assert target.banned_at is None


@pytest.mark.urls("tests.core.error_probes")
@pytest.mark.parametrize(
    ("state", "code"),
    [
        ({"banned_at": timezone.now()}, "account_banned"),
        ({"suspended_until": timezone.now() + dt.timedelta(days=1)}, "account_suspended"),
    ],
)
def test_every_write_refuses_an_account_in_bad_standing(state, code):
    user = UserFactory(**state)
    client = APIClient()
    client.force_login(user)  # a session that outlived the revocation, say

    write = client.post("/api/v1/probes/conflict/")  # an endpoint that allows anyone
    read = client.get("/api/v1/")

    assert write.status_code == 403
    assert code_of(write) == code
    assert read.status_code == 200


def test_a_refused_login_carries_what_the_user_needs_to_appeal(moderator):
    banned = UserFactory(email="banned@example.com")
    ban = moderation.user_ban(user=banned, by=moderator, reason="Fraud")

    refused = APIClient().post(
        "/api/v1/auth/login/", {"email": "banned@example.com", "password": "correct horse battery staple"}
    )
    body = refused.json()
    appeal = APIClient().post(
        "/api/v1/accounts/appeals/",
        {"action": body["extra"]["action"], "message": "Not me", "appeal_token": body["extra"]["appeal_token"]},
    )

    assert (refused.status_code, code_of(refused)) == (403, "account_banned")
    assert body["extra"]["action"] == str(ban.id)
    assert appeal.status_code == 201
    assert Appeal.objects.get().action == ban
