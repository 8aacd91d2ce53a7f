"""Devices: listing, revoking one, revoking all (the moderation hook), last use, second factor."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import selectors
from accounts.models import AuthDevice
from accounts.services import user_access_revoke_all
from tests.accounts.test_auth_login import FIREFOX, CommittingClient, login, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEVICES = "/api/v1/auth/devices/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def code_of(response):
    return response.json()["errors"][0]["code"]


def token_client(user, user_agent=FIREFOX):
    body = login(CommittingClient(HTTP_USER_AGENT=user_agent), user.email).json()
    return APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}"), body["device_id"]


def session_client(user):
    client = CommittingClient(HTTP_USER_AGENT=FIREFOX)
    body = login(client, user.email, kind="session").json()
    return client, body["device_id"]


def test_the_owner_lists_their_devices_newest_first_with_the_current_one_marked(user):
    _, first = token_client(user)
    client, second = token_client(user)
    UserFactory()  # another user's devices never show
    token_client(UserFactory())

    response = client.get(DEVICES)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(d["id"], d["current"]) for d in results] == [(second, True), (first, False)]
    assert results[0]["name"] == "Firefox on Ubuntu"
    assert set(results[0]) == {
        "id",
        "kind",
        "name",
        "platform",
        "last_ip",
        "last_seen_at",
        "two_factor_verified",
        "created_at",
        "current",
    }


def test_revoked_devices_are_not_listed(user):
    client, current = token_client(user)
    _, revoked = token_client(user)
    client.delete(f"{DEVICES}{revoked}/")

    assert [d["id"] for d in client.get(DEVICES).json()["results"]] == [current]


@pytest.mark.parametrize("page_size", [1, 5])
def test_the_device_list_pins_its_query_count(user, page_size, django_assert_max_num_queries):
    client, _ = token_client(user)
    for _ in range(5):
        token_client(user)

    with django_assert_max_num_queries(6):
        response = client.get(DEVICES, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_anonymous_callers_cannot_list_devices():
    response = APIClient().get(DEVICES)

    assert response.status_code == 401
    assert code_of(response) == "not_authenticated"


def test_revoking_a_token_device_makes_its_token_fail(user):
    client, _ = token_client(user)
    other_client, other = token_client(user)

    response = client.delete(f"{DEVICES}{other}/")

    assert response.status_code == 204
    assert other_client.get(DEVICES).status_code == 401
    assert client.get(DEVICES).status_code == 200
    assert AuthDevice.objects.get(pk=other).revoked_at is not None
    assert AuthToken.objects.filter(user=user).count() == 1


def test_revoking_a_session_device_deletes_the_session(user):
    browser, device_id = session_client(user)
    session_key = browser.cookies["sessionid"].value
    client, _ = token_client(user)

    response = client.delete(f"{DEVICES}{device_id}/")

    assert response.status_code == 204
    assert not Session.objects.filter(session_key=session_key).exists()
    # Sessions are read from the cache first (cached_db): the cached copy went with the row.
    assert cache.get(f"{cached_db.KEY_PREFIX}{session_key}") is None
    assert browser.get(DEVICES).status_code == 401


def test_a_revoked_device_whose_token_survived_is_still_refused(user):
    client, device_id = token_client(user)
    AuthDevice.objects.filter(pk=device_id).update(revoked_at=timezone.now())

    response = client.get(DEVICES)

    assert response.status_code == 401
    assert code_of(response) == "authentication_failed"


def test_a_revoked_device_whose_session_survived_is_still_refused(user, settings):
    browser, device_id = session_client(user)
    AuthDevice.objects.filter(pk=device_id).update(revoked_at=timezone.now())

    assert browser.get(DEVICES).status_code == 401


def test_revoking_another_users_device_is_404(user):
    client, _ = token_client(user)
    _, theirs = token_client(UserFactory())

    response = client.delete(f"{DEVICES}{theirs}/")

    assert response.status_code == 404
    assert code_of(response) == "not_found"
    assert AuthDevice.objects.get(pk=theirs).revoked_at is None


def test_revoking_an_unknown_device_is_404(user):
    client, _ = token_client(user)

    assert client.delete(f"{DEVICES}00000000-0000-7000-8000-000000000000/").status_code == 404
    assert client.delete(f"{DEVICES}not-a-uuid/").status_code == 404


def test_anonymous_callers_cannot_revoke(user):
    _, device_id = token_client(user)

    assert APIClient().delete(f"{DEVICES}{device_id}/").status_code == 401


def test_user_access_revoke_all_keeps_one_device_and_counts_the_rest(user):
    kept_client, kept = token_client(user)
    gone_client, _ = token_client(user)
    browser, _ = session_client(user)
    AuthToken.objects.create(user=user)  # a token issued without a device row
    other_client, _ = token_client(UserFactory())

    revoked = user_access_revoke_all(user=user, keep_device_id=kept)

    assert revoked == 3
    assert kept_client.get(DEVICES).status_code == 200
    assert gone_client.get(DEVICES).status_code == 401
    assert browser.get(DEVICES).status_code == 401
    assert other_client.get(DEVICES).status_code == 200
    assert AuthToken.objects.filter(user=user).count() == 1


def test_user_access_revoke_all_without_a_kept_device_revokes_everything(user):
    token_client(user)
    session_client(user)

    assert user_access_revoke_all(user=user) == 2
    assert not AuthToken.objects.filter(user=user).exists()
    assert not AuthDevice.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert user_access_revoke_all(user=user) == 0


def test_last_seen_is_written_at_most_once_a_minute(user):
    client, device_id = token_client(user)
    a_while_ago = timezone.now() - timedelta(minutes=2)
    AuthDevice.objects.filter(pk=device_id).update(last_seen_at=a_while_ago, last_ip="192.0.2.1")

    client.get(DEVICES)
    seen = AuthDevice.objects.get(pk=device_id).last_seen_at
    with CaptureQueriesContext(connection) as queries:
        client.get(DEVICES)

    device = AuthDevice.objects.get(pk=device_id)
    # Seen a moment ago: the second request writes nothing at all.
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "accounts_authdevice"')]
    assert seen > a_while_ago
    assert device.last_seen_at == seen
    assert device.last_ip == "127.0.0.1"


def test_request_second_factor_verified_for_a_token(user):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    plain_client, _ = token_client(UserFactory())
    from accounts.api.auth_authentication import DeviceTokenAuthentication

    client = CommittingClient(HTTP_USER_AGENT=FIREFOX)
    challenge = login(client, user.email).json()["challenge"]
    device = TOTPDevice.objects.get(user=user)
    token = client.post(
        "/api/v1/auth/login/verify/", {"challenge": challenge, "code": totp_code(device), "method": "totp"}
    ).json()["token"]
    plain_token = plain_client.defaults["HTTP_AUTHORIZATION"]

    def verified(header):
        from rest_framework.request import Request

        request = Request(RequestFactory().get("/", HTTP_AUTHORIZATION=header))
        request.user, request.auth = DeviceTokenAuthentication().authenticate(request)
        return selectors.request_second_factor_verified(request=request)

    assert verified(f"Token {token}") is True
    assert verified(plain_token) is False


def test_request_second_factor_verified_for_a_session(user):
    from django.contrib.auth.models import AnonymousUser
    from django_otp.middleware import OTPMiddleware

    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    OTPMiddleware(lambda r: None)(request)
    assert selectors.request_second_factor_verified(request=request) is False
    request.user.otp_device = TOTPDevice.objects.get(user=user)
    assert selectors.request_second_factor_verified(request=request) is True
    anonymous = RequestFactory().get("/")
    anonymous.user = AnonymousUser()
    assert selectors.request_second_factor_verified(request=anonymous) is False


def test_the_session_hash_is_sha256_of_the_key(user):
    browser, device_id = session_client(user)

    key = browser.cookies["sessionid"].value
    assert AuthDevice.objects.get(pk=device_id).session_key_hash == hashlib.sha256(key.encode()).hexdigest()
