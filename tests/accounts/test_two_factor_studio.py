"""The studio's two-step login and Security page, through Django's test client."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.dashboard.views import PENDING_LOGIN_KEY
from tests.accounts.test_two_factor_api import PASSWORD, confirmed_totp, totp_code, wrong_totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator():
    return UserFactory(email="casey@example.com", handle="casey")


def password_step(client, *, next_url: str = ""):
    data = {"username": "casey@example.com", "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/studio/login/", data)


# ---------------------------------------------------------------------------------------------
# Login
# ---------------------------------------------------------------------------------------------


def test_without_a_second_factor_the_password_logs_in(client, creator):
    response = password_step(client)

    assert (response.status_code, response.url) == (302, "/studio/")
    assert client.session[SESSION_KEY] == str(creator.pk)


def test_with_a_second_factor_the_password_alone_does_not_log_in(client, creator):
    confirmed_totp(creator)

    response = password_step(client)

    assert (response.status_code, response.url) == (302, "/studio/login/code/")
    assert SESSION_KEY not in client.session
    assert client.get("/studio/").url == "/studio/login/?next=/studio/"


def test_the_app_code_finishes_the_login_and_verifies_the_session(client, creator):
    device = confirmed_totp(creator)
    password_step(client, next_url="/studio/security/")

    response = client.post("/studio/login/code/", {"code": totp_code(device)})

    assert (response.status_code, response.url) == (302, "/studio/security/")
    assert client.session[SESSION_KEY] == str(creator.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_LOGIN_KEY not in client.session


def test_a_backup_code_finishes_the_login_once(client, creator):
    confirmed_totp(creator)
    code = services.backup_codes_regenerate(user=creator)[0]
    password_step(client)

    response = client.post("/studio/login/code/", {"code": code})

    assert (response.status_code, response.url) == (302, "/studio/")
    assert not StaticToken.objects.filter(token=code).exists()


def test_a_wrong_code_keeps_the_user_out(client, creator):
    device = confirmed_totp(creator)
    password_step(client)

    response = client.post("/studio/login/code/", {"code": wrong_totp_code(device)})

    assert response.status_code == 400
    assert response.context["error_code"] == "invalid_code"
    assert "This code is not valid." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_offsite_next_is_ignored(client, creator):
    device = confirmed_totp(creator)
    password_step(client, next_url="https://evil.example.com/")

    response = client.post("/studio/login/code/", {"code": totp_code(device)})

    assert response.url == "/studio/"


def test_the_code_page_needs_the_password_step_first(client, creator):
    assert client.get("/studio/login/code/").url == "/studio/login/"
    assert client.post("/studio/login/code/", {"code": "123456"}).url == "/studio/login/"


def test_the_password_step_expires_after_five_minutes(client, creator):
    device = confirmed_totp(creator)
    password_step(client)
    session = client.session
    session[PENDING_LOGIN_KEY] = {**session[PENDING_LOGIN_KEY], "started": time.time() - 301}
    session.save()

    response = client.post("/studio/login/code/", {"code": totp_code(device)})

    assert response.url == "/studio/login/"
    assert SESSION_KEY not in client.session


# ---------------------------------------------------------------------------------------------
# Security page
# ---------------------------------------------------------------------------------------------


def test_the_security_page_needs_a_login(client):
    assert client.get("/studio/security/").url == "/studio/login/?next=/studio/security/"
    assert client.post("/studio/security/totp/").url == "/studio/login/?next=/studio/security/totp/"


def test_the_security_page_is_in_the_studio_navigation(client, creator):
    client.force_login(creator)

    response = client.get("/studio/security/")

    assert response.status_code == 200
    assert {"label": "Security", "url": "/studio/security/", "active": True} in response.context["studio_nav"]
    assert response.context["two_factor_enabled"] is False
    assert 'data-testid="devices-and-sessions"' in response.content.decode()


def test_setting_up_the_app_from_the_security_page(client, creator):
    client.force_login(creator)

    client.post("/studio/security/totp/")
    page = client.get("/studio/security/")
    enrolment = page.context["totp_enrolment"]
    device = TOTPDevice.objects.get(user=creator, confirmed=False)
    assert enrolment.device == device
    assert enrolment.secret in page.content.decode()
    assert enrolment.qr_code in page.content.decode()

    response = client.post("/studio/security/totp/confirm/", {"code": totp_code(device)})

    assert response.url == "/studio/security/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/studio/security/").context["two_factor_enabled"] is True


def test_a_wrong_code_on_the_security_page_leaves_the_app_unconfirmed(client, creator):
    client.force_login(creator)
    client.post("/studio/security/totp/")
    device = TOTPDevice.objects.get(user=creator)

    response = client.post("/studio/security/totp/confirm/", {"code": wrong_totp_code(device)}, follow=True)

    assert [str(message) for message in response.context["messages"]] == ["This code is not valid."]
    device.refresh_from_db()
    assert device.confirmed is False


def test_backup_codes_are_shown_once_after_the_password(client, creator):
    client.force_login(creator)

    refused = client.post("/studio/security/backup-codes/", {"password": "nope"}, follow=True)
    response = client.post("/studio/security/backup-codes/", {"password": PASSWORD})

    assert [str(message) for message in refused.context["messages"]] == ["The password is not correct."]
    assert response.status_code == 200
    codes = response.context["codes"]
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=creator).values_list("token", flat=True))
    assert all(code in response.content.decode() for code in codes)
    assert not any(code in client.get("/studio/security/").content.decode() for code in codes)


def test_removing_two_factor_needs_the_password_and_a_code(client, creator):
    device = confirmed_totp(creator)
    client.force_login(creator)

    wrong = client.post(
        "/studio/security/disable/", {"password": PASSWORD, "code": wrong_totp_code(device)}, follow=True
    )
    assert [str(message) for message in wrong.context["messages"]] == ["This code is not valid."]
    assert TOTPDevice.objects.filter(user=creator).exists()

    device.throttle_reset()
    response = client.post("/studio/security/disable/", {"password": PASSWORD, "code": totp_code(device)}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "Two-factor authentication is off. Every second factor was removed."
    ]
    assert not TOTPDevice.objects.filter(user=creator).exists()
    assert response.context["two_factor_enabled"] is False
