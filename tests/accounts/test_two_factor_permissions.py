"""IsStaffWithSecondFactor, on a probe view mounted beside the real URLs."""

import pytest
from django.urls import include, path
from knox.models import AuthToken
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.models import AuthDevice
from accounts.otp_permissions import IsStaffWithSecondFactor
from tests.accounts.test_two_factor_api import PASSWORD, confirmed_totp, error_of, totp_code
from tests.factories import UserFactory


class StaffProbe(APIView):
    permission_classes = [IsStaffWithSecondFactor]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/probes/staff/", StaffProbe.as_view()),
    path("", include("config.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
PROBE = "/api/v1/probes/staff/"


def session_logged_in_with_code(user) -> APIClient:
    """A browser session that went through the studio login: password, then the app's code."""
    device = confirmed_totp(user)
    client = APIClient(enforce_csrf_checks=False)
    client.post("/studio/login/", {"username": user.email, "password": PASSWORD}, format="multipart")
    response = client.post("/studio/login/code/", {"code": totp_code(device)}, format="multipart")
    assert response.status_code == 302
    return client


def test_staff_with_a_verified_session_pass():
    staff = UserFactory(is_staff=True)

    response = session_logged_in_with_code(staff).get(PROBE)

    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_staff_with_a_password_only_session_are_refused():
    staff = UserFactory(is_staff=True)
    confirmed_totp(staff)
    client = APIClient()
    client.force_login(staff)  # a session without django-otp's verified device

    assert error_of(client.get(PROBE)) == (403, "second_factor_required")


def test_a_verified_session_of_a_non_staff_user_is_refused():
    creator = UserFactory(is_staff=False)

    assert error_of(session_logged_in_with_code(creator).get(PROBE)) == (403, "staff_only")


def test_anonymous_requests_must_authenticate():
    assert error_of(APIClient().get(PROBE)) == (401, "not_authenticated")


def token_client(user, *, two_factor_verified: bool | None) -> APIClient:
    """A knox token for ``user``; with a device row marked as the login left it, unless None."""
    instance, token = AuthToken.objects.create(user)
    if two_factor_verified is not None:
        AuthDevice.objects.create(
            user=user, kind=AuthDevice.Kind.TOKEN, token_key=instance.token_key, two_factor_verified=two_factor_verified
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_issued_after_a_second_factor_passes():
    staff = UserFactory(is_staff=True)

    response = token_client(staff, two_factor_verified=True).get(PROBE)

    assert response.status_code == 200


@pytest.mark.parametrize("two_factor_verified", [False, None])
def test_a_token_issued_on_a_password_alone_or_without_a_device_is_refused(two_factor_verified):
    staff = UserFactory(is_staff=True)

    response = token_client(staff, two_factor_verified=two_factor_verified).get(PROBE)

    assert error_of(response) == (403, "second_factor_required")
