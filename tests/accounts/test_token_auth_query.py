"""Token authentication reads the token, its user and its device in one query (issue 18)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.api.auth_authentication import TOKEN_WITH_USER_AND_DEVICE
from accounts.models import AuthDevice
from accounts.selectors import device_for_token, device_from_json
from tests.accounts.test_devices import token_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _auth_queries(captured) -> list[str]:
    tables = ("knox_authtoken", "accounts_authdevice")
    return [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in tables)]


def test_a_token_request_reads_token_user_and_device_in_one_query(user):
    client, device_id = token_client(user)
    client.get(ME)  # the device's last use is written (at most once a minute)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)
    assert len(_auth_queries(captured)) == 1
    # The device it read is the token's, with every column as a fresh read gives.
    token = AuthToken.objects.get(user=user)
    (row,) = TOKEN_WITH_USER_AND_DEVICE(token_key=token.token_key)
    device = device_from_json(row.x_device)
    fresh = device_for_token(auth_token=token)
    assert str(device.pk) == str(fresh.pk) == device_id
    assert [getattr(device, f.attname) for f in AuthDevice._meta.concrete_fields] == [
        getattr(fresh, f.attname) for f in AuthDevice._meta.concrete_fields
    ]
    assert row.user == user
    assert row.user.email == user.email


def test_a_device_revoked_between_two_requests_is_refused_on_the_next(user):
    client, device_id = token_client(user)
    assert client.get(ME).status_code == 200

    AuthDevice.objects.filter(pk=device_id).update(revoked_at=timezone.now())

    assert client.get(ME).status_code == 401


def test_a_token_without_a_device_row_still_authenticates(user):
    _, token = AuthToken.objects.create(user=user, expiry=None)

    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(ME)

    assert response.status_code == 200


def test_an_expired_token_is_refused_and_deleted(user):
    auth_token, token = AuthToken.objects.create(user=user, expiry=timedelta(seconds=-1))

    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(ME)

    assert response.status_code == 401
    assert not AuthToken.objects.filter(pk=auth_token.pk).exists()


def test_a_wrong_secret_with_a_real_key_is_refused(user):
    _, token = AuthToken.objects.create(user=user, expiry=None)
    wrong = token[:-4] + ("0000" if not token.endswith("0000") else "1111")

    assert APIClient(HTTP_AUTHORIZATION=f"Token {wrong}").get(ME).status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_request(user):
    client, _ = token_client(user)
    assert client.get(ME).status_code == 200

    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert client.get(ME).status_code == 401
