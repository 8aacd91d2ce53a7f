"""Logging in (one and two steps), logging out, throttling, new-device emails."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.test import APIClient

from accounts.models import AuthDevice, LoginEvent, User
from accounts.services import backup_codes_regenerate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"
VERIFY = "/api/v1/auth/login/verify/"
SEND_CODE = "/api/v1/auth/login/send-code/"
TOKEN_KEY_LENGTH = CONSTANTS.TOKEN_KEY_LENGTH
ME_PROBE = "/api/v1/auth/devices/"  # any endpoint that needs a signed-in caller
PASSWORD = "correct horse battery staple"
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


class CommittingClient(APIClient):
    """Runs on-commit callbacks (emails) when each request ends, as the real commit would."""

    def request(self, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**kwargs)


@pytest.fixture
def api_client():
    return CommittingClient(HTTP_USER_AGENT=FIREFOX)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def code_of(response):
    return response.json()["errors"][0]["code"]


def login(client, email, password=PASSWORD, kind="token", **extra):
    return client.post(LOGIN, {"email": email, "password": password, "client": kind, **extra})


def totp_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


# --- one-step login ---------------------------------------------------------------------------


def test_token_login_returns_a_token_that_works_and_expires_in_30_days(api_client, user):
    response = login(api_client, user.email, device_name="Pixel 8")

    assert response.status_code == 200
    body = response.json()
    assert body["two_factor_required"] is False
    assert body["user"] == {
        "id": str(user.pk),
        "email": user.email,
        "handle": user.handle,
        "display_name": user.display_name,
        "email_verified": False,
    }
    token = AuthToken.objects.get(user=user)
    assert timedelta(days=30) - timedelta(minutes=1) < token.expiry - timezone.now() <= timedelta(days=30)
    device = AuthDevice.objects.get(user=user)
    assert (str(device.pk), device.kind, device.token_key, device.name) == (
        body["device_id"],
        "token",
        token.token_key,
        "Pixel 8",
    )
    assert token.digest != body["token"]  # stored hashed
    other = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert other.get(ME_PROBE).status_code == 200


def test_each_token_login_is_its_own_device(api_client, user):
    first = login(api_client, user.email).json()
    second = login(api_client, user.email).json()

    assert first["token"] != second["token"]
    assert AuthToken.objects.filter(user=user).count() == 2
    assert AuthDevice.objects.filter(user=user, kind="token").count() == 2


def test_an_expired_token_no_longer_works(api_client, user):
    token = login(api_client, user.email).json()["token"]
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))

    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(ME_PROBE)

    assert response.status_code == 401
    assert code_of(response) == "authentication_failed"
    assert not AuthToken.objects.filter(user=user).exists()  # deleted on its first refused use


def test_the_hourly_sweep_deletes_expired_tokens_only(api_client, user):
    from accounts.tasks import auth_tokens_expired_delete_task

    expired, alive = (login(api_client, user.email).json()["token"] for _ in range(2))
    AuthToken.objects.filter(token_key=expired[:TOKEN_KEY_LENGTH]).update(expiry=timezone.now() - timedelta(seconds=1))

    assert auth_tokens_expired_delete_task.delay().get() == 1
    assert list(AuthToken.objects.filter(user=user).values_list("token_key", flat=True)) == [alive[:TOKEN_KEY_LENGTH]]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {alive}").get(ME_PROBE).status_code == 200
    assert settings.CELERY_BEAT_SCHEDULE["accounts-auth-tokens-expired-delete"] == {
        "task": "accounts.auth_tokens_expired_delete",
        "schedule": 60 * 60,
    }


def test_a_token_request_does_not_sweep_the_users_other_tokens(api_client, user):
    token = login(api_client, user.email).json()["token"]
    for _ in range(3):
        login(api_client, user.email)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    client.get(ME_PROBE)  # the device's first use is noted (one write a minute)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME_PROBE).status_code == 200

    token_queries = [q["sql"] for q in queries.captured_queries if "knox_authtoken" in q["sql"]]
    assert len(token_queries) == 1  # this token with its user; not the user's other tokens


def test_session_login_opens_a_session_and_records_its_hash(api_client, user):
    response = login(api_client, user.email, kind="session")

    assert response.status_code == 200
    assert "token" not in response.json()
    session_key = api_client.cookies["sessionid"].value
    device = AuthDevice.objects.get(user=user)
    assert device.kind == "session"
    assert device.session_key_hash != session_key
    import hashlib

    assert device.session_key_hash == hashlib.sha256(session_key.encode()).hexdigest()
    assert (device.name, device.platform, device.last_ip) == ("Firefox on Ubuntu", "Ubuntu", "127.0.0.1")
    assert api_client.get(ME_PROBE).status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.parametrize("email", ["nobody@example.com", "USER"])
def test_wrong_email_and_wrong_password_look_the_same(api_client, user, email):
    unknown = login(api_client, email if "@" in email else user.email.upper(), password="wrong password")
    wrong_password = login(api_client, user.email, password="another wrong one")

    assert unknown.status_code == wrong_password.status_code == 400
    assert unknown.json() == wrong_password.json()
    assert code_of(unknown) == "invalid_credentials"


def test_email_is_matched_ignoring_case(api_client, user):
    assert login(api_client, user.email.upper()).status_code == 200


def test_an_inactive_account_cannot_log_in(api_client, user):
    user.is_active = False
    user.save()

    response = login(api_client, user.email)

    assert response.status_code == 400
    assert code_of(response) == "invalid_credentials"


def test_a_suspended_account_is_refused_with_its_end(api_client, user):
    until = timezone.now() + timedelta(days=2)
    user.suspended_until = until
    user.save()

    response = login(api_client, user.email)

    assert response.status_code == 403
    assert code_of(response) == "account_suspended"
    assert response.json()["extra"] == {"until": until.isoformat()}
    assert not AuthToken.objects.exists()


def test_a_suspension_in_the_past_does_not_stop_login(api_client, user):
    user.suspended_until = timezone.now() - timedelta(minutes=1)
    user.save()

    assert login(api_client, user.email).status_code == 200


def test_a_banned_account_is_refused(api_client, user):
    user.banned_at = timezone.now()
    user.save()

    response = login(api_client, user.email)

    assert response.status_code == 403
    assert code_of(response) == "account_banned"


def test_the_suspension_is_not_revealed_without_the_password(api_client, user):
    user.banned_at = timezone.now()
    user.save()

    response = login(api_client, user.email, password="wrong password")

    assert response.status_code == 400
    assert code_of(response) == "invalid_credentials"


def test_a_recently_deleted_account_is_restored_by_logging_in(api_client, user, settings):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 30
    User.all_objects.filter(pk=user.pk).update(deleted_at=timezone.now() - timedelta(days=29))

    response = login(api_client, user.email)

    assert response.status_code == 200
    assert User.objects.filter(pk=user.pk).exists()


def test_an_account_deleted_before_the_grace_period_is_no_account(api_client, user, settings):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 30
    User.all_objects.filter(pk=user.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    response = login(api_client, user.email)

    assert response.status_code == 400
    assert code_of(response) == "invalid_credentials"
    assert not User.objects.filter(pk=user.pk).exists()


def test_a_wrong_password_does_not_restore_a_deleted_account(api_client, user):
    user.soft_delete()

    response = login(api_client, user.email, password="wrong password")

    assert response.status_code == 400
    assert not User.objects.filter(pk=user.pk).exists()


def test_a_deleted_accounts_token_stops_working(api_client, user):
    token = login(api_client, user.email).json()["token"]
    user.soft_delete()

    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(ME_PROBE).status_code == 401


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"password": PASSWORD}, "email", "required"),
        ({"email": "a@example.com"}, "password", "required"),
        ({"email": "a@example.com", "password": PASSWORD, "client": "carrier-pigeon"}, "client", "invalid_choice"),
    ],
)
def test_login_bad_input(api_client, body, attr, code):
    response = api_client.post(LOGIN, body)

    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], code_of(response)) == (attr, code)


def test_a_signed_in_caller_logging_in_as_another_user_gets_that_users_token(api_client, user):
    other = UserFactory()
    api_client.force_authenticate(user)

    response = login(api_client, other.email)

    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(other.pk)


# --- two-step login ---------------------------------------------------------------------------


@pytest.fixture
def totp_device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_a_confirmed_second_factor_turns_login_into_two_steps(api_client, user, totp_device):
    backup_codes_regenerate(user=user)
    TOTPDevice.objects.create(user=user, name="unconfirmed", confirmed=False)

    response = login(api_client, user.email)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"two_factor_required", "challenge", "methods"}
    assert body["two_factor_required"] is True
    assert sorted(body["methods"]) == ["static", "totp"]
    assert not AuthToken.objects.exists()
    assert not AuthDevice.objects.exists()


def test_a_totp_code_completes_the_login(api_client, user, totp_device):
    challenge = login(api_client, user.email).json()["challenge"]

    response = api_client.post(VERIFY, {"challenge": challenge, "code": totp_code(totp_device), "method": "totp"})

    assert response.status_code == 200
    body = response.json()
    assert body["two_factor_required"] is False
    assert body["user"]["id"] == str(user.pk)
    device = AuthDevice.objects.get(pk=body["device_id"])
    assert device.two_factor_verified is True
    assert APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}").get(ME_PROBE).status_code == 200


def test_without_a_method_the_codes_shape_picks_the_device(api_client, user, totp_device):
    code = backup_codes_regenerate(user=user)[0]
    challenge = login(api_client, user.email).json()["challenge"]

    response = api_client.post(VERIFY, {"challenge": challenge, "code": code})

    assert response.status_code == 200
    assert AuthDevice.objects.get(user=user).two_factor_verified is True


def test_a_session_login_with_a_second_factor_is_verified_for_django_otp(api_client, user, totp_device):
    from tests.factories import with_role

    with_role(user, "moderator")
    challenge = login(api_client, user.email, kind="session").json()["challenge"]
    api_client.post(VERIFY, {"challenge": challenge, "code": totp_code(totp_device), "method": "totp"})

    session = Session.objects.get(session_key=api_client.cookies["sessionid"].value).get_decoded()
    assert session["otp_device_id"] == totp_device.persistent_id
    assert AuthDevice.objects.get(user=user).two_factor_verified is True
    # Staff endpoints, which need a second factor on this very session, now let it in.
    assert api_client.get("/api/v1/staff/appeals/").status_code == 200


def test_a_wrong_code_is_refused_and_logged(api_client, user, totp_device):
    challenge = login(api_client, user.email).json()["challenge"]

    response = api_client.post(VERIFY, {"challenge": challenge, "code": "000000", "method": "totp"})

    assert response.status_code == 400
    assert code_of(response) == "invalid_code"
    assert LoginEvent.objects.filter(user=user).order_by("created_at").last().reason == "two_factor_failed"
    totp_device.refresh_from_db()
    assert totp_device.throttling_failure_count == 1


def test_django_otp_throttles_repeated_wrong_codes(api_client, user, totp_device):
    challenge = login(api_client, user.email).json()["challenge"]
    api_client.post(VERIFY, {"challenge": challenge, "code": "000000", "method": "totp"})

    response = api_client.post(VERIFY, {"challenge": challenge, "code": totp_code(totp_device), "method": "totp"})

    assert response.status_code == 429
    assert code_of(response) == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 1


def test_a_challenge_works_once(api_client, user, totp_device):
    codes = backup_codes_regenerate(user=user)
    challenge = login(api_client, user.email).json()["challenge"]
    api_client.post(VERIFY, {"challenge": challenge, "code": codes[0], "method": "static"})

    response = api_client.post(VERIFY, {"challenge": challenge, "code": codes[1], "method": "static"})

    assert response.status_code == 400
    assert code_of(response) == "invalid_challenge"
    assert AuthToken.objects.count() == 1


def test_a_totp_code_cannot_be_replayed(api_client, user, totp_device):
    code = totp_code(totp_device)
    first = login(api_client, user.email).json()["challenge"]
    second = login(api_client, user.email).json()["challenge"]
    api_client.post(VERIFY, {"challenge": first, "code": code, "method": "totp"})

    response = api_client.post(VERIFY, {"challenge": second, "code": code, "method": "totp"})

    assert response.status_code == 400
    assert code_of(response) == "invalid_code"


def test_a_challenge_expires_after_five_minutes(api_client, user, totp_device, settings):
    from django.core import signing

    challenge = login(api_client, user.email).json()["challenge"]
    data = signing.loads(challenge, salt="accounts.login.challenge")
    # Signed six minutes ago, with the same key and salt.
    signer = signing.TimestampSigner(salt="accounts.login.challenge")
    signer.timestamp = lambda: signing.b62_encode(int(timezone.now().timestamp()) - 360)
    old = signer.sign_object(data, serializer=signing.JSONSerializer, compress=False)

    response = api_client.post(VERIFY, {"challenge": old, "code": totp_code(totp_device), "method": "totp"})

    assert settings.LOGIN_CHALLENGE_TTL == 300
    assert response.status_code == 400
    assert code_of(response) == "invalid_challenge"


def test_a_forged_challenge_is_refused(api_client, user, totp_device):
    response = api_client.post(VERIFY, {"challenge": "eyJ1Ijoi.forged", "code": "123456"})

    assert response.status_code == 400
    assert code_of(response) == "invalid_challenge"


def test_a_method_the_user_lacks_is_refused(api_client, user, totp_device):
    challenge = login(api_client, user.email).json()["challenge"]

    response = api_client.post(VERIFY, {"challenge": challenge, "code": "123456", "method": "email"})

    assert response.status_code == 400
    assert code_of(response) == "invalid_method"


def test_a_ban_between_the_two_steps_stops_the_login(api_client, user, totp_device):
    challenge = login(api_client, user.email).json()["challenge"]
    User.objects.filter(pk=user.pk).update(banned_at=timezone.now())

    response = api_client.post(VERIFY, {"challenge": challenge, "code": totp_code(totp_device), "method": "totp"})

    assert response.status_code == 403
    assert code_of(response) == "account_banned"


def test_verify_bad_input(api_client):
    response = api_client.post(VERIFY, {"code": "123456"})

    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], code_of(response)) == ("challenge", "required")


def test_an_email_code_is_sent_on_request_and_completes_the_login(api_client, user):
    device = EmailDevice.objects.create(user=user, name="email", confirmed=True)
    challenge = login(api_client, user.email).json()["challenge"]

    sent = api_client.post(SEND_CODE, {"challenge": challenge, "method": "email"})
    device.refresh_from_db()
    response = api_client.post(VERIFY, {"challenge": challenge, "code": device.token, "method": "email"})

    assert sent.status_code == 202
    assert any(device.token in message.body and message.to == [user.email] for message in mail.outbox)
    assert response.status_code == 200


def test_an_email_code_has_a_cooldown(api_client, user):
    EmailDevice.objects.create(user=user, name="email", confirmed=True)
    challenge = login(api_client, user.email).json()["challenge"]
    api_client.post(SEND_CODE, {"challenge": challenge, "method": "email"})

    response = api_client.post(SEND_CODE, {"challenge": challenge, "method": "email"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_totp_device_has_no_code_to_send(api_client, user, totp_device):
    challenge = login(api_client, user.email).json()["challenge"]

    response = api_client.post(SEND_CODE, {"challenge": challenge, "method": "totp"})

    assert response.status_code == 400
    assert code_of(response) == "invalid_method"


def test_send_code_bad_input(api_client):
    response = api_client.post(SEND_CODE, {"challenge": "x"})

    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], code_of(response)) == ("method", "required")


# --- logout -----------------------------------------------------------------------------------


def test_logout_ends_this_token_only(api_client, user):
    first = login(api_client, user.email).json()
    second = login(api_client, user.email).json()
    client = APIClient(HTTP_AUTHORIZATION=f"Token {first['token']}")

    response = client.post("/api/v1/auth/logout/")

    assert response.status_code == 204
    assert client.get(ME_PROBE).status_code == 401
    assert APIClient(HTTP_AUTHORIZATION=f"Token {second['token']}").get(ME_PROBE).status_code == 200
    assert AuthDevice.objects.get(pk=first["device_id"]).revoked_at is not None
    assert AuthDevice.objects.get(pk=second["device_id"]).revoked_at is None


def test_logout_ends_this_session(api_client, user):
    login(api_client, user.email, kind="session")

    response = api_client.post("/api/v1/auth/logout/")

    assert response.status_code == 204
    assert api_client.get(ME_PROBE).status_code == 401
    assert AuthDevice.objects.get(user=user).revoked_at is not None


def test_logout_all_ends_every_session_and_token(api_client, user):
    token = login(api_client, user.email).json()["token"]
    browser = CommittingClient(HTTP_USER_AGENT=CHROME_MAC)
    login(browser, user.email, kind="session")
    other = UserFactory()
    other_token = login(api_client, other.email).json()["token"]

    response = browser.post("/api/v1/auth/logout-all/")

    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert browser.get(ME_PROBE).status_code == 401
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(ME_PROBE).status_code == 401
    assert APIClient(HTTP_AUTHORIZATION=f"Token {other_token}").get(ME_PROBE).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/logout/", "/api/v1/auth/logout-all/"])
def test_logout_needs_a_signed_in_caller(api_client, path):
    response = api_client.post(path)

    assert response.status_code == 401
    assert code_of(response) == "not_authenticated"


# --- throttling -------------------------------------------------------------------------------


def test_the_sixth_attempt_on_an_account_is_throttled_even_with_the_right_password(user):
    statuses = [
        login(APIClient(REMOTE_ADDR=f"198.51.100.{n}"), user.email, password="wrong").status_code for n in range(5)
    ]

    response = login(APIClient(REMOTE_ADDR="198.51.100.99"), user.email)

    assert statuses == [400] * 5
    assert response.status_code == 429
    assert code_of(response) == "throttled"
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert LoginEvent.objects.filter(reason="throttled", email=user.email).count() == 1


def test_the_eleventh_attempt_from_an_ip_is_throttled(user):
    client = APIClient(REMOTE_ADDR="203.0.113.5")
    statuses = [login(client, f"nobody{n}@example.com", password="wrong").status_code for n in range(10)]

    response = login(client, user.email)

    assert statuses == [400] * 10
    assert response.status_code == 429
    assert login(APIClient(REMOTE_ADDR="203.0.113.6"), user.email).status_code == 200


def test_a_success_clears_the_accounts_count_but_not_the_ips(user):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        login(client, user.email, password="wrong")
    assert login(client, user.email).status_code == 200

    account_statuses = [
        login(APIClient(REMOTE_ADDR=f"198.51.100.{n}"), user.email, password="wrong").status_code for n in range(5)
    ]
    ip_statuses = [login(client, f"x{n}@example.com", password="wrong").status_code for n in range(6)]

    assert account_statuses == [400] * 5
    assert ip_statuses == [400] * 5 + [429]


def test_the_limits_come_from_settings(user, settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 1

    statuses = [login(APIClient(), user.email, password="wrong").status_code for _ in range(2)]

    assert statuses == [400, 429]


def test_default_limits():
    from config.settings import base

    assert (base.LOGIN_THROTTLE_PER_IP, base.LOGIN_THROTTLE_PER_ACCOUNT, base.LOGIN_THROTTLE_WINDOW) == (10, 5, 900)


def _fire_concurrently(requests):
    """Send each (client, email) login at the same moment from its own thread; return the statuses."""
    barrier = threading.Barrier(len(requests))
    statuses = []
    lock = threading.Lock()

    def attempt(client, email):
        try:
            barrier.wait()
            status = login(client, email, password="wrong").status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
def test_the_account_limit_holds_under_concurrent_attempts():
    cache.clear()
    user = UserFactory()

    statuses = _fire_concurrently([(APIClient(REMOTE_ADDR=f"198.51.100.{n}"), user.email) for n in range(12)])

    assert statuses == [400] * 5 + [429] * 7


@pytest.mark.django_db(transaction=True)
def test_the_ip_limit_holds_under_concurrent_attempts():
    cache.clear()

    statuses = _fire_concurrently([(APIClient(REMOTE_ADDR="203.0.113.8"), f"n{n}@example.com") for n in range(16)])

    assert statuses == [400] * 10 + [429] * 6


# --- new-device email -------------------------------------------------------------------------


def test_a_login_from_a_new_device_emails_the_user(api_client, user):
    login(api_client, user.email)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == ([user.email], "New sign-in to your Fanfare account")
    assert "Firefox on Ubuntu" in message.body
    assert "127.0.0.1" in message.body


def test_a_login_from_a_known_device_sends_nothing_even_after_revocation(api_client, user):
    token = login(api_client, user.email).json()["token"]
    APIClient(HTTP_AUTHORIZATION=f"Token {token}", HTTP_USER_AGENT=FIREFOX).post("/api/v1/auth/logout/")
    mail.outbox.clear()

    login(api_client, user.email)
    login(CommittingClient(HTTP_USER_AGENT=CHROME_MAC), user.email)

    assert len(mail.outbox) == 1
    assert "Chrome on Mac OS X" in mail.outbox[0].body


def test_a_failed_login_sends_no_email(api_client, user):
    login(api_client, user.email, password="wrong")

    assert mail.outbox == []


def test_a_session_login_needs_the_csrf_token(user):
    browser = APIClient(enforce_csrf_checks=True)
    payload = {"email": user.email, "password": PASSWORD, "client": "session"}

    refused = browser.post(LOGIN, payload)
    token = browser.get("/api/v1/auth/csrf/").json()["csrf_token"]
    accepted = browser.post(LOGIN, payload, HTTP_X_CSRFTOKEN=token)

    assert (refused.status_code, code_of(refused)) == (403, "csrf_failed")
    assert browser.cookies["csrftoken"].value
    assert accepted.status_code == 200
    assert "sessionid" in browser.cookies


def test_a_token_login_needs_no_csrf_token(user):
    response = APIClient(enforce_csrf_checks=True).post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["token"]


def test_the_session_second_step_needs_the_csrf_token_too(user, totp_device):
    browser = APIClient(enforce_csrf_checks=True)
    token = browser.get("/api/v1/auth/csrf/").json()["csrf_token"]
    challenge = browser.post(
        LOGIN, {"email": user.email, "password": PASSWORD, "client": "session"}, HTTP_X_CSRFTOKEN=token
    ).json()["challenge"]

    refused = browser.post(VERIFY, {"challenge": challenge, "code": totp_code(totp_device), "method": "totp"})

    assert (refused.status_code, code_of(refused)) == (403, "csrf_failed")
