"""Changing a password, and resetting a forgotten one by email."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import AuthDevice
from accounts.services.auth_emails import uid_encode
from accounts.tokens import password_reset_token_generator as generator
from tests.accounts.test_auth_login import FIREFOX, PASSWORD, CommittingClient, login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGE = "/api/v1/auth/password/change/"
RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
NEW = "an entirely new passphrase"
RESET_ACCEPTED = {"detail": "If an account has this email, a reset link is on its way."}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def code_of(response):
    return response.json()["errors"][0]["code"]


def token_client(user):
    body = login(CommittingClient(HTTP_USER_AGENT=FIREFOX), user.email).json()
    return APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}"), body["device_id"]


# --- change -----------------------------------------------------------------------------------


def test_changing_the_password_keeps_this_device_and_signs_out_the_others(user):
    client, current = token_client(user)
    other, _ = token_client(user)

    response = client.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW})

    assert response.status_code == 200
    assert response.json() == {"revoked": 1}
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get("/api/v1/auth/devices/").status_code == 200
    assert other.get("/api/v1/auth/devices/").status_code == 401
    assert list(AuthDevice.objects.filter(user=user, revoked_at__isnull=True).values_list("id", flat=True)) == [
        uuid.UUID(current)
    ]


def test_a_session_stays_signed_in_after_changing_its_password(user):
    browser = CommittingClient(HTTP_USER_AGENT=FIREFOX)
    device_id = login(browser, user.email, kind="session").json()["device_id"]
    old_hash = AuthDevice.objects.get(pk=device_id).session_key_hash

    response = browser.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW})

    assert response.status_code == 200
    assert browser.get("/api/v1/auth/devices/").status_code == 200
    device = AuthDevice.objects.get(pk=device_id)
    assert device.revoked_at is None
    assert device.session_key_hash != old_hash


def test_a_wrong_current_password_is_refused(user):
    client, _ = token_client(user)

    response = client.post(CHANGE, {"current_password": "wrong", "new_password": NEW})

    assert response.status_code == 400
    assert code_of(response) == "invalid_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_weak_new_password_is_refused(user):
    client, _ = token_client(user)

    response = client.post(CHANGE, {"current_password": PASSWORD, "new_password": "12345678"})

    assert response.status_code == 400
    assert code_of(response) == "weak_password"


def test_change_bad_input(user):
    client, _ = token_client(user)

    response = client.post(CHANGE, {"current_password": PASSWORD})

    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], code_of(response)) == ("new_password", "required")


def test_anonymous_callers_cannot_change_a_password():
    response = APIClient().post(CHANGE, {"current_password": PASSWORD, "new_password": NEW})

    assert response.status_code == 401


def test_another_users_password_is_never_touched(user):
    other = UserFactory()
    client, _ = token_client(user)

    client.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW})

    other.refresh_from_db()
    assert other.check_password(PASSWORD)


# --- reset ------------------------------------------------------------------------------------


def reset_link(message):
    match = re.search(r"\?uid=(\S+)&token=(\S+)", message.body)
    return match.group(1), match.group(2)


def test_reset_emails_a_link_that_works_once_and_signs_out_everywhere(user):
    client, _ = token_client(user)
    anonymous = CommittingClient()
    mail.outbox.clear()

    asked = anonymous.post(RESET, {"email": user.email.upper()})
    uid, token = reset_link(mail.outbox[0])
    confirmed = anonymous.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})
    again = anonymous.post(CONFIRM, {"uid": uid, "token": token, "new_password": "yet another passphrase"})

    assert asked.status_code == 202
    assert asked.json() == RESET_ACCEPTED
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == "Reset your Fanfare password"
    assert confirmed.status_code == 200
    assert again.status_code == 400
    assert code_of(again) == "invalid_token"
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get("/api/v1/auth/devices/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_reset_for_an_unknown_email_answers_the_same_and_sends_nothing():
    response = CommittingClient().post(RESET, {"email": "nobody@example.com"})

    assert response.status_code == 202
    assert response.json() == RESET_ACCEPTED
    assert mail.outbox == []


def test_an_expired_reset_link_is_refused(user, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    issued = generator._num_seconds(generator._now() - timedelta(seconds=3601))
    token = generator._make_token_with_timestamp(user, issued, generator.secret)

    response = APIClient().post(CONFIRM, {"uid": uid_encode(user_id=user.pk), "token": token, "new_password": NEW})

    assert response.status_code == 400
    assert code_of(response) == "invalid_token"


def test_a_reset_link_for_another_user_is_refused(user):
    other = UserFactory()

    response = APIClient().post(
        CONFIRM, {"uid": uid_encode(user_id=user.pk), "token": generator.make_token(other), "new_password": NEW}
    )

    assert response.status_code == 400
    assert code_of(response) == "invalid_token"


def test_a_weak_password_from_a_reset_link_is_refused(user):
    response = APIClient().post(
        CONFIRM, {"uid": uid_encode(user_id=user.pk), "token": generator.make_token(user), "new_password": "123"}
    )

    assert response.status_code == 400
    assert code_of(response) == "weak_password"


@pytest.mark.parametrize(
    ("path", "body", "attr"),
    [(RESET, {"email": "not-an-email"}, "email"), (CONFIRM, {"uid": "x", "token": "y"}, "new_password")],
)
def test_reset_bad_input(path, body, attr):
    response = APIClient().post(path, body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr
