"""The studio's login records devices like the API's, and the Security page lists and revokes them."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuthDevice, LoginEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def studio_login(user, user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    response = client.post("/studio/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_studio_login_records_a_device_and_a_login_event():
    user = UserFactory()

    studio_login(user)

    device = AuthDevice.objects.get(user=user)
    assert (device.kind, device.revoked_at, device.two_factor_verified) == ("session", None, False)
    assert LoginEvent.objects.get(user=user).reason == "ok"


def test_the_security_page_lists_devices_and_marks_this_browser():
    user = UserFactory()
    other = studio_login(user, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1")
    browser = studio_login(user)

    page = browser.get("/studio/security/")

    rows = [d.pk for d in page.context["devices"]]
    assert len(rows) == 2
    assert page.context["current_device"].pk in rows
    assert page.content.decode().count("(this browser)") == 1
    assert other.get("/studio/").status_code == 200


def test_signing_another_device_out_from_the_security_page():
    user = UserFactory()
    phone = studio_login(user, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1")
    browser = studio_login(user)
    phone_device = AuthDevice.objects.exclude(pk=browser.get("/studio/security/").context["current_device"].pk).get()

    response = browser.post(f"/studio/security/devices/{phone_device.pk}/revoke/")

    assert response.status_code == 302
    phone_device.refresh_from_db()
    assert phone_device.revoked_at is not None
    assert phone.get("/studio/").status_code == 302  # sent back to the login page
    assert browser.get("/studio/").status_code == 200


def test_another_users_device_cannot_be_revoked():
    owner = UserFactory()
    studio_login(owner)
    device = AuthDevice.objects.get(user=owner)
    intruder = studio_login(UserFactory())

    response = intruder.post(f"/studio/security/devices/{device.pk}/revoke/", follow=True)

    assert [str(m) for m in response.context["messages"]] == ["No such device."]
    device.refresh_from_db()
    assert device.revoked_at is None


@pytest.mark.parametrize(
    "state", [{"banned_at": timezone.now()}, {"suspended_until": timezone.now() + dt.timedelta(days=1)}]
)
def test_the_studio_refuses_suspended_and_banned_accounts(state):
    user = UserFactory(**state)

    response = Client().post("/studio/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert not AuthDevice.objects.exists()
    assert "_auth_user_id" not in response.client.session
