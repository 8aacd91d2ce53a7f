"""Signing in with Google, Apple and GitHub, and linking and unlinking those identities.

Only the providers' HTTP endpoints are faked (``responses``): Google's and Apple's key sets,
GitHub's token check, ``/user`` and ``/user/emails``, with their real payload shapes. The
``id_token``s are real RS256 JWTs signed with a key made here, whose public half the faked
key endpoints serve; django-allauth verifies them exactly as it would Google's and Apple's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import requests
import responses
from allauth.socialaccount.models import SocialAccount
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core import mail
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import AuthDevice, LoginEvent, User
from accounts.services.oauth import OAuthIdentity, handle_suggest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOGLE_CLIENT_ID = "1234567890-fanfare.apps.googleusercontent.com"
APPLE_CLIENT_ID = "com.fanfare.app"
GITHUB_CLIENT_ID = "Iv1.8a61f9b3a7aba766"
GITHUB_SECRET = "1f2e3d4c5b6a79880f1e2d3c4b5a69788f1e2d3c"
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
APPLE_KEYS_URL = "https://appleid.apple.com/auth/keys"
GITHUB_CHECK_URL = f"https://api.github.com/applications/{GITHUB_CLIENT_ID}/token"
GITHUB_USER_URL = "https://api.github.com/user"
GITHUB_EMAILS_URL = "https://api.github.com/user/emails"
KID = "0ad1fec78504f447bae65bcf5afaedb65eec9e81"
GOOGLE_SUB = "110248495921238986420"
APPLE_SUB = "001234.7d0b6a5e4f3c4e2a9b8c7d6e5f4a3b2c.1234"
GITHUB_ID = 583231
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IDENTITIES = "/api/v1/auth/oauth/identities/"
VERIFY = "/api/v1/auth/login/verify/"
ME_PROBE = "/api/v1/auth/devices/"


def oauth_url(provider):
    return f"/api/v1/auth/oauth/{provider}/"


def link_url(provider):
    return f"/api/v1/auth/oauth/{provider}/link/"


def code_of(response):
    return response.json()["errors"][0]["code"]


class CommittingClient(APIClient):
    """Runs on-commit callbacks (emails) when each request ends, as the real commit would."""

    def request(self, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**kwargs)


# --- keys, tokens and the faked providers ------------------------------------------------------


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def signing_key():
    return _rsa_key()


@pytest.fixture(scope="session")
def other_key():
    """A key no provider publishes: tokens signed with it must be refused."""
    return _rsa_key()


def _self_signed_pem(key) -> str:
    """Google's v1/certs endpoint publishes each key as a self-signed X.509 certificate."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.google.com")])
    now = datetime.now(tz=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=14))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _jwk(key) -> dict:
    """Apple's auth/keys endpoint publishes a JWK set."""
    return {
        **jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
        "kid": KID,
        "use": "sig",
        "alg": "RS256",
    }


def sign(claims: dict, key, *, kid: str | None = KID) -> str:
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def google_claims(**overrides) -> dict:
    now = int(time.time())
    return {
        "iss": "https://accounts.google.com",
        "azp": GOOGLE_CLIENT_ID,
        "aud": GOOGLE_CLIENT_ID,
        "sub": GOOGLE_SUB,
        "email": "ana.lima@gmail.com",
        "email_verified": True,
        "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
        "name": "Ana Lima",
        "given_name": "Ana",
        "family_name": "Lima",
        "picture": "https://lh3.googleusercontent.com/a/ACg8ocJ",
        "locale": "pt-BR",
        "iat": now,
        "exp": now + 3600,
        **overrides,
    }


def apple_claims(**overrides) -> dict:
    now = int(time.time())
    return {
        "iss": "https://appleid.apple.com",
        "aud": APPLE_CLIENT_ID,
        "exp": now + 600,
        "iat": now,
        "sub": APPLE_SUB,
        "c_hash": "mJ5Z0l4cHk1U2pt4C_Ww6g",
        "email": "bruno.costa@icloud.com",
        "email_verified": "true",  # Apple sends the flags as strings
        "is_private_email": "false",
        "auth_time": now,
        "nonce_supported": True,
        **overrides,
    }


def google_token(key, **overrides) -> str:
    return sign(google_claims(**overrides), key)


def apple_token(key, **overrides) -> str:
    return sign(apple_claims(**overrides), key)


GITHUB_USER = {
    "login": "octocat",
    "id": GITHUB_ID,
    "node_id": "MDQ6VXNlcjU4MzIzMQ==",
    "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
    "html_url": "https://github.com/octocat",
    "type": "User",
    "site_admin": False,
    "name": "The Octocat",
    "company": "@github",
    "blog": "https://github.blog",
    "location": "San Francisco",
    "email": None,
    "bio": None,
    "public_repos": 8,
    "followers": 17000,
    "following": 9,
    "created_at": "2011-01-25T18:44:36Z",
    "updated_at": "2026-01-22T12:13:38Z",
}


def github_emails(*, verified=True, email="octocat@github.com"):
    return [
        {"email": email, "verified": verified, "primary": True, "visibility": "public"},
        {"email": "583231+octocat@users.noreply.github.com", "verified": True, "primary": False, "visibility": None},
    ]


def github_check(token: str, client_id: str = GITHUB_CLIENT_ID) -> dict:
    return {
        "id": 1,
        "url": "https://api.github.com/authorizations/1",
        "scopes": ["read:user", "user:email"],
        "token": token,
        "token_last_eight": token[-8:],
        "hashed_token": "25f94a2a5c7fbaf499c665bc73d67c1c87e496da8985131633ee0a95819db2e8",
        "app": {"url": "https://fanfare.example", "name": "Fanfare", "client_id": client_id},
        "note": None,
        "note_url": None,
        "updated_at": "2026-01-22T12:13:38Z",
        "created_at": "2026-01-22T12:13:38Z",
        "fingerprint": None,
        "expires_at": None,
        "user": {"login": GITHUB_USER["login"], "id": GITHUB_ID, "type": "User"},
    }


@pytest.fixture(autouse=True)
def _oauth_settings(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": GOOGLE_CLIENT_ID, "secret": "", "key": ""}]},
        "apple": {"APPS": [{"client_id": APPLE_CLIENT_ID, "secret": "KEY123", "key": "TEAM123", "settings": {}}]},
        "github": {"APPS": [{"client_id": GITHUB_CLIENT_ID, "secret": GITHUB_SECRET, "key": ""}]},
    }
    cache.clear()


@pytest.fixture
def providers(signing_key):
    """The providers' endpoints, serving ``signing_key``'s public half. Unregistered URLs fail
    as a network error would."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(GOOGLE_CERTS_URL, json={KID: _self_signed_pem(signing_key)})
        mock.get(APPLE_KEYS_URL, json={"keys": [_jwk(signing_key)]})
        yield mock


GITHUB_TOKEN = "gho_16C7e42F292c6912E7710c838347Ae178B4a"  # a made-up token


def github_serves(mock, *, token=GITHUB_TOKEN, emails=None, user=None):
    mock.post(
        GITHUB_CHECK_URL,
        json=github_check(token),
        match=[responses.matchers.json_params_matcher({"access_token": token})],
    )
    mock.get(
        GITHUB_USER_URL,
        json=user or GITHUB_USER,
        match=[responses.matchers.header_matcher({"Authorization": f"token {token}"})],
    )
    mock.get(GITHUB_EMAILS_URL, json=github_emails() if emails is None else emails)
    return token


@pytest.fixture
def api_client():
    return CommittingClient(HTTP_USER_AGENT=FIREFOX)


def assert_unavailable(response):
    """A 503 is a server error: reported to monitoring (the test client would re-raise it), and
    answered in the one error shape with its own code."""
    assert response.status_code == 503
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {
                "code": "provider_unavailable",
                "detail": "The sign-in provider cannot be reached. Try again in a moment.",
                "attr": None,
            }
        ],
    }


@pytest.fixture
def outage_client():
    return CommittingClient(HTTP_USER_AGENT=FIREFOX, raise_request_exception=False)


def signed_in(user):
    client = CommittingClient(HTTP_USER_AGENT=FIREFOX)
    client.force_authenticate(user)
    return client


def link(user, provider, uid, email="linked@example.com"):
    return SocialAccount.objects.create(user=user, provider=provider, uid=uid, extra_data={"email": email})


# --- first sign-in makes the account ----------------------------------------------------------


def test_a_first_google_sign_in_creates_a_verified_account_and_returns_a_token(api_client, providers, signing_key):
    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key), "device_name": "Pixel 8"})

    assert response.status_code == 200
    user = User.objects.get()
    body = response.json()
    assert body["user"] == {
        "id": str(user.pk),
        "email": "ana.lima@gmail.com",
        "handle": "ana_lima",
        "display_name": "Ana Lima",
        "email_verified": True,
    }
    assert body["two_factor_required"] is False
    assert not user.has_usable_password()
    identity = SocialAccount.objects.get()
    assert (identity.user_id, identity.provider, identity.uid) == (user.pk, "google", GOOGLE_SUB)
    assert identity.extra_data["email"] == "ana.lima@gmail.com"
    device = AuthDevice.objects.get(user=user)
    assert (str(device.pk), device.kind, device.name) == (body["device_id"], "token", "Pixel 8")
    assert AuthToken.objects.get(user=user).token_key == device.token_key
    assert APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}").get(ME_PROBE).status_code == 200
    assert list(LoginEvent.objects.values_list("reason", "user_id")) == [("ok", user.pk)]
    assert [message.to for message in mail.outbox] == [["ana.lima@gmail.com"]]  # the new-device notice


def test_a_first_apple_sign_in_can_open_a_session(api_client, providers, signing_key):
    response = api_client.post(oauth_url("apple"), {"id_token": apple_token(signing_key), "client": "session"})

    assert response.status_code == 200
    assert "token" not in response.json()
    user = User.objects.get()
    assert (user.email, user.handle, user.display_name, user.is_email_verified) == (
        "bruno.costa@icloud.com",
        "bruno_costa",
        "",
        True,
    )
    assert SocialAccount.objects.get().uid == APPLE_SUB
    assert AuthDevice.objects.get(user=user).kind == "session"
    assert api_client.get(ME_PROBE).status_code == 200


def test_a_first_github_sign_in_uses_the_login_as_handle(api_client, providers):
    token = github_serves(providers)

    response = api_client.post(oauth_url("github"), {"access_token": token})

    assert response.status_code == 200
    user = User.objects.get()
    assert (user.email, user.handle, user.display_name, user.is_email_verified) == (
        "octocat@github.com",
        "octocat",
        "The Octocat",
        True,
    )
    assert SocialAccount.objects.get().uid == str(GITHUB_ID)
    check = providers.calls[0].request  # GitHub's "check a token", as our app
    assert check.url == GITHUB_CHECK_URL
    assert check.headers["Authorization"] == requests.auth._basic_auth_str(GITHUB_CLIENT_ID, GITHUB_SECRET)


def test_an_unverified_github_email_makes_an_unverified_account_and_sends_a_verification_link(api_client, providers):
    token = github_serves(providers, emails=github_emails(verified=False))

    response = api_client.post(oauth_url("github"), {"access_token": token})

    assert response.status_code == 200
    assert response.json()["user"]["email_verified"] is False
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 2  # the verification link and the new-device notice
    assert any("/verify-email/?uid=" in message.body for message in mail.outbox)


def test_a_taken_handle_gets_a_suffix(api_client, providers, signing_key):
    UserFactory(handle="ana_lima")
    UserFactory(handle="ana_lima2")

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert response.status_code == 200
    assert response.json()["user"]["handle"] == "ana_lima3"


@pytest.mark.parametrize(
    ("username", "name", "email", "handle"),
    [
        ("", "José Álvarez-Núñez", "x@example.com", "jose_alvarez_nunez"),
        ("admin", "", "zoe@example.com", "zoe"),  # reserved: the next source
        ("", "李", "li@example.com", "user"),  # nothing usable: the fallback (email part too short)
        ("", "", "a.very.long.local.part.that.goes.on@example.com", "a_very_long_local_part_that_go"),
    ],
)
def test_handle_suggest(username, name, email, handle):
    identity = OAuthIdentity(provider="google", uid="1", email=email, email_verified=True, username=username, name=name)

    assert handle_suggest(identity=identity) == handle


# --- signing in again, and matching by email ---------------------------------------------------


def test_a_second_sign_in_logs_into_the_same_account(api_client, providers, signing_key):
    first = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)}).json()
    # The email changed at Google since: the identity, not the email, finds the account.
    second = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key, email="ana@lima.dev")}).json()

    assert second["user"]["id"] == first["user"]["id"]
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().extra_data["email"] == "ana@lima.dev"
    assert AuthToken.objects.count() == 2


def test_a_verified_email_links_the_existing_account(api_client, providers, signing_key):
    user = UserFactory(email="ana.lima@gmail.com", email_verified_at=timezone.now())

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(user.pk)
    assert SocialAccount.objects.get().user_id == user.pk
    user.refresh_from_db()
    assert user.check_password("correct horse battery staple")  # the owner's password still works
    assert User.objects.count() == 1


def test_linking_an_account_whose_email_was_never_verified_locks_out_whoever_made_it(
    api_client, providers, signing_key
):
    # Pre-hijacking: someone registered the owner's address first, with a password of theirs.
    squatter_made = UserFactory(email="ana.lima@gmail.com")
    _instance, squatter_token = AuthToken.objects.create(squatter_made)

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(squatter_made.pk)
    squatter_made.refresh_from_db()
    assert squatter_made.is_email_verified  # Google just proved the address
    assert not squatter_made.check_password("correct horse battery staple")
    assert not squatter_made.has_usable_password()
    squatter = APIClient()
    squatter.credentials(HTTP_AUTHORIZATION=f"Token {squatter_token}")
    assert squatter.get("/api/v1/auth/devices/").status_code == 401
    assert AuthToken.objects.count() == 1  # the owner's new one


def test_email_matching_ignores_case(api_client, providers, signing_key):
    user = UserFactory(email="Ana.Lima@Gmail.com")

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert response.json()["user"]["id"] == str(user.pk)


@pytest.mark.parametrize("provider", ["google", "apple", "github"])
def test_an_unverified_email_never_takes_over_an_existing_account(api_client, providers, signing_key, provider):
    email = {"google": "ana.lima@gmail.com", "apple": "bruno.costa@icloud.com", "github": "octocat@github.com"}
    user = UserFactory(email=email[provider])
    before = User.objects.filter(pk=user.pk).values().get()
    body = {
        "google": lambda: {"id_token": google_token(signing_key, email_verified=False)},
        "apple": lambda: {"id_token": apple_token(signing_key, email_verified="false")},
        "github": lambda: {"access_token": github_serves(providers, emails=github_emails(verified=False))},
    }[provider]()

    response = api_client.post(oauth_url(provider), body)

    assert response.status_code == 409
    assert code_of(response) == "email_in_use"
    assert User.objects.filter(pk=user.pk).values().get() == before
    assert User.objects.count() == 1
    assert not SocialAccount.objects.exists()
    assert not AuthToken.objects.exists()
    assert not AuthDevice.objects.exists()
    assert mail.outbox == []


def test_a_provider_without_an_email_cannot_make_an_account(api_client, providers):
    token = github_serves(providers)
    # A token without the user:email scope: GitHub answers 404, and /user shows no public email.
    providers.replace(responses.GET, GITHUB_EMAILS_URL, status=404, json={"message": "Not Found"})

    response = api_client.post(oauth_url("github"), {"access_token": token})

    assert (response.status_code, code_of(response)) == (400, "email_required")
    assert not User.objects.exists()


# --- bad tokens, disabled and unavailable providers -------------------------------------------


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda key, other: google_token(other), id="bad-signature"),
        pytest.param(
            lambda key, other: google_token(key, aud="someone-else.apps.googleusercontent.com"), id="audience"
        ),
        pytest.param(lambda key, other: google_token(key, iss="https://evil.example"), id="issuer"),
        pytest.param(
            lambda key, other: google_token(key, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            id="expired",
        ),
        pytest.param(lambda key, other: sign(google_claims(), key, kid="unknown-kid"), id="unknown-kid"),
        pytest.param(lambda key, other: sign(google_claims(), key, kid=None), id="no-kid"),
        pytest.param(lambda key, other: "not.a.jwt", id="garbage"),
    ],
)
def test_a_bad_google_token_is_refused(api_client, providers, signing_key, other_key, make_token):
    response = api_client.post(oauth_url("google"), {"id_token": make_token(signing_key, other_key)})

    assert response.status_code == 400
    assert code_of(response) == "invalid_token"
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": "com.someone.else"}, id="audience"),
        pytest.param({"exp": int(time.time()) - 60}, id="expired"),
    ],
)
def test_a_bad_apple_token_is_refused(api_client, providers, signing_key, claims):
    response = api_client.post(oauth_url("apple"), {"id_token": apple_token(signing_key, **claims)})

    assert (response.status_code, code_of(response)) == (400, "invalid_token")


def test_an_apple_token_signed_with_another_key_is_refused(api_client, providers, other_key):
    response = api_client.post(oauth_url("apple"), {"id_token": apple_token(other_key)})

    assert (response.status_code, code_of(response)) == (400, "invalid_token")


def test_a_github_token_of_another_app_is_refused(api_client, providers):
    providers.post(GITHUB_CHECK_URL, status=404, json={"message": "Not Found"})

    response = api_client.post(oauth_url("github"), {"access_token": "gho_someoneelsesapp00000000000000000"})

    assert (response.status_code, code_of(response)) == (400, "invalid_token")
    assert [call.request.url for call in providers.calls] == [GITHUB_CHECK_URL]  # /user never asked


def test_a_revoked_github_token_is_refused(api_client, providers):
    token = "gho_revokedbetweenthetwocalls0000000"
    providers.post(GITHUB_CHECK_URL, json=github_check(token))
    providers.get(GITHUB_USER_URL, status=401, json={"message": "Bad credentials"})

    response = api_client.post(oauth_url("github"), {"access_token": token})

    assert (response.status_code, code_of(response)) == (400, "invalid_token")


@pytest.mark.parametrize(
    ("provider", "field"), [("google", "id_token"), ("apple", "id_token"), ("github", "access_token")]
)
def test_the_providers_token_field_is_required(api_client, provider, field):
    wrong = "access_token" if field == "id_token" else "id_token"

    response = api_client.post(oauth_url(provider), {wrong: "abc"})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "required", "detail": "This field is required.", "attr": field}]


def test_a_provider_without_its_variables_is_not_enabled(api_client, settings, providers, signing_key):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {}, "apple": {}, "github": {}}

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})
    link_response = signed_in(UserFactory()).post(link_url("github"), {"access_token": "gho_x"})

    assert (response.status_code, code_of(response)) == (404, "provider_not_enabled")
    assert (link_response.status_code, code_of(link_response)) == (404, "provider_not_enabled")
    assert len(providers.calls) == 0


def test_an_unknown_provider_is_not_enabled(api_client):
    response = api_client.post(oauth_url("facebook"), {"access_token": "x"})

    assert (response.status_code, code_of(response)) == (404, "provider_not_enabled")


def test_the_settings_enable_providers_from_the_environment(monkeypatch):
    import importlib

    import config.settings.base as base

    for name in ("OAUTH_GOOGLE_CLIENT_ID", "OAUTH_APPLE_CLIENT_ID", "OAUTH_GITHUB_CLIENT_ID", "OAUTH_GITHUB_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OAUTH_GOOGLE_CLIENT_ID", GOOGLE_CLIENT_ID)
    monkeypatch.setenv("OAUTH_GITHUB_CLIENT_ID", GITHUB_CLIENT_ID)  # no secret: GitHub stays off
    monkeypatch.setenv("OAUTH_APPLE_CLIENT_ID", APPLE_CLIENT_ID)
    monkeypatch.setenv("OAUTH_APPLE_PRIVATE_KEY", r"-----BEGIN PRIVATE KEY-----\nMIGT\n-----END PRIVATE KEY-----")
    try:
        reloaded = importlib.reload(base)
        providers = reloaded.SOCIALACCOUNT_PROVIDERS
        assert providers["google"]["APPS"][0]["client_id"] == GOOGLE_CLIENT_ID
        assert providers["apple"]["APPS"][0]["settings"]["certificate_key"].count("\n") == 2
        assert "APPS" not in providers["github"]
    finally:
        monkeypatch.undo()
        importlib.reload(base)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"body": requests.ConnectionError("Connection refused")}, id="unreachable"),
        pytest.param({"body": requests.Timeout("Read timed out")}, id="timeout"),
        pytest.param({"status": 503, "body": "<html>Service Unavailable</html>"}, id="5xx"),
    ],
)
@pytest.mark.parametrize(("provider", "keys_url"), [("google", GOOGLE_CERTS_URL), ("apple", APPLE_KEYS_URL)])
def test_a_provider_whose_keys_cannot_be_fetched_is_unavailable(
    outage_client, providers, signing_key, provider, keys_url, failure
):
    providers.replace(responses.GET, keys_url, **failure)
    token = (google_token if provider == "google" else apple_token)(signing_key)

    response = outage_client.post(oauth_url(provider), {"id_token": token})

    assert_unavailable(response)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("url", "failure"),
    [
        (GITHUB_CHECK_URL, {"body": requests.ConnectionError("Connection refused")}),
        (GITHUB_CHECK_URL, {"status": 502, "json": {"message": "Server Error"}}),
        (GITHUB_CHECK_URL, {"status": 401, "json": {"message": "Bad credentials"}}),  # our secret is wrong
        (GITHUB_USER_URL, {"status": 503, "body": "unicorn"}),
        (GITHUB_USER_URL, {"status": 403, "json": {"message": "API rate limit exceeded"}}),
        (GITHUB_EMAILS_URL, {"body": requests.Timeout("Read timed out")}),
    ],
)
def test_github_down_is_unavailable(outage_client, providers, url, failure):
    token = github_serves(providers)
    method = responses.POST if url == GITHUB_CHECK_URL else responses.GET
    providers.replace(method, url, **failure)

    response = outage_client.post(oauth_url("github"), {"access_token": token})

    assert_unavailable(response)
    assert not User.objects.exists()


# --- standing, second factor, CSRF ------------------------------------------------------------


def test_a_suspended_account_is_refused(api_client, providers, signing_key):
    user = UserFactory()
    until = timezone.now() + timedelta(days=2)
    User.objects.filter(pk=user.pk).update(suspended_until=until)
    link(user, "google", GOOGLE_SUB)

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert (response.status_code, code_of(response)) == (403, "account_suspended")
    assert response.json()["extra"] == {"until": until.isoformat()}
    assert not AuthToken.objects.exists()
    assert list(LoginEvent.objects.values_list("reason", "user_id")) == [("suspended", user.pk)]


def test_a_banned_account_is_refused_and_not_linked_by_email(api_client, providers, signing_key):
    user = UserFactory(email="ana.lima@gmail.com")
    User.objects.filter(pk=user.pk).update(banned_at=timezone.now())

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert (response.status_code, code_of(response)) == (403, "account_banned")
    assert not SocialAccount.objects.exists()
    assert not AuthDevice.objects.exists()
    assert list(LoginEvent.objects.values_list("reason", flat=True)) == ["banned"]


def test_a_deactivated_account_cannot_sign_in(api_client, providers, signing_key):
    user = UserFactory(is_active=False)
    link(user, "google", GOOGLE_SUB)

    response = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert (response.status_code, code_of(response)) == (403, "account_inactive")
    assert not AuthDevice.objects.exists()


def test_a_second_factor_turns_the_sign_in_into_two_steps(api_client, providers, signing_key):
    user = UserFactory()
    link(user, "google", GOOGLE_SUB)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    first = api_client.post(oauth_url("google"), {"id_token": google_token(signing_key), "device_name": "Pixel 8"})

    body = first.json()
    assert first.status_code == 200
    assert set(body) == {"two_factor_required", "challenge", "methods"}
    assert (body["two_factor_required"], body["methods"]) == (True, ["totp"])
    assert not AuthToken.objects.exists()
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

    second = api_client.post(VERIFY, {"challenge": body["challenge"], "code": code, "method": "totp"})

    assert second.status_code == 200
    assert second.json()["user"]["id"] == str(user.pk)
    auth_device = AuthDevice.objects.get(user=user)
    assert (auth_device.kind, auth_device.name, auth_device.two_factor_verified) == ("token", "Pixel 8", True)
    assert list(LoginEvent.objects.order_by("created_at").values_list("reason", flat=True)) == [
        "two_factor_required",
        "ok",
    ]


def test_a_session_sign_in_needs_the_csrf_token(providers, signing_key):
    browser = APIClient(enforce_csrf_checks=True)
    payload = {"id_token": google_token(signing_key), "client": "session"}

    refused = browser.post(oauth_url("google"), payload)
    csrf = browser.get("/api/v1/auth/csrf/").json()["csrf_token"]
    accepted = browser.post(oauth_url("google"), payload, HTTP_X_CSRFTOKEN=csrf)

    assert (refused.status_code, code_of(refused)) == (403, "csrf_failed")
    assert accepted.status_code == 200
    assert "sessionid" in browser.cookies


def test_a_token_sign_in_needs_no_csrf_token(providers, signing_key):
    response = APIClient(enforce_csrf_checks=True).post(oauth_url("google"), {"id_token": google_token(signing_key)})

    assert response.status_code == 200
    assert response.json()["token"]


# --- linking ----------------------------------------------------------------------------------


def test_a_signed_in_user_links_an_identity(providers, signing_key):
    user = UserFactory(email="someone@example.com")  # the identity's email need not match
    client = signed_in(user)

    response = client.post(link_url("apple"), {"id_token": apple_token(signing_key)})
    again = client.post(link_url("apple"), {"id_token": apple_token(signing_key)})

    identity = SocialAccount.objects.get()
    expected = {
        "id": identity.pk,
        "provider": "apple",
        "uid": APPLE_SUB,
        "email": "bruno.costa@icloud.com",
        "linked_at": identity.date_joined.isoformat().replace("+00:00", "Z"),
    }
    assert (response.status_code, response.json()) == (201, expected)
    assert (again.status_code, again.json()) == (200, expected)
    assert identity.user_id == user.pk
    # and from now on that identity signs in to this account
    login = APIClient().post(oauth_url("apple"), {"id_token": apple_token(signing_key)})
    assert login.json()["user"]["id"] == str(user.pk)


def test_linking_a_github_identity(providers):
    user = UserFactory()
    token = github_serves(providers)

    response = signed_in(user).post(link_url("github"), {"access_token": token})

    assert response.status_code == 201
    assert (response.json()["uid"], response.json()["email"]) == (str(GITHUB_ID), "octocat@github.com")


def test_an_identity_linked_to_another_account_cannot_be_linked(providers, signing_key):
    owner = UserFactory()
    link(owner, "google", GOOGLE_SUB)
    caller = UserFactory()

    response = signed_in(caller).post(link_url("google"), {"id_token": google_token(signing_key)})

    assert (response.status_code, code_of(response)) == (409, "identity_linked_elsewhere")
    assert SocialAccount.objects.get().user_id == owner.pk


def test_linking_refuses_a_bad_token(providers, other_key):
    response = signed_in(UserFactory()).post(link_url("google"), {"id_token": google_token(other_key)})

    assert (response.status_code, code_of(response)) == (400, "invalid_token")
    assert not SocialAccount.objects.exists()


def test_linking_needs_a_signed_in_caller(providers, signing_key):
    response = APIClient().post(link_url("google"), {"id_token": google_token(signing_key)})

    assert (response.status_code, code_of(response)) == (401, "not_authenticated")
    assert len(providers.calls) == 0


# --- listing and unlinking --------------------------------------------------------------------


def test_the_identity_list_shows_my_own_only():
    user = UserFactory()
    mine = link(user, "google", GOOGLE_SUB, email="ana@gmail.com")
    link(UserFactory(), "github", "1")

    response = signed_in(user).get(IDENTITIES)

    assert response.status_code == 200
    assert response.json() == {
        "identities": [
            {
                "id": mine.pk,
                "provider": "google",
                "uid": GOOGLE_SUB,
                "email": "ana@gmail.com",
                "linked_at": mine.date_joined.isoformat().replace("+00:00", "Z"),
            }
        ]
    }


@pytest.mark.parametrize("count", [1, 3])
def test_the_identity_list_pins_its_query_count(count, django_assert_max_num_queries):
    user = UserFactory()
    for uid in range(count):
        link(user, "github", str(uid))
    client = signed_in(user)

    with django_assert_max_num_queries(1):
        response = client.get(IDENTITIES)

    assert len(response.json()["identities"]) == count


def test_listing_needs_a_signed_in_caller():
    response = APIClient().get(IDENTITIES)

    assert (response.status_code, code_of(response)) == (401, "not_authenticated")


def test_unlinking_an_identity(providers):
    user = UserFactory()  # has a password
    identity = link(user, "google", GOOGLE_SUB)

    response = signed_in(user).delete(f"{IDENTITIES}{identity.pk}/")

    assert response.status_code == 204
    assert not SocialAccount.objects.exists()


def test_the_only_way_in_cannot_be_unlinked(api_client, providers, signing_key):
    api_client.post(oauth_url("google"), {"id_token": google_token(signing_key)})
    user = User.objects.get()
    identity = SocialAccount.objects.get()

    response = signed_in(user).delete(f"{IDENTITIES}{identity.pk}/")

    assert (response.status_code, code_of(response)) == (409, "last_login_method")
    assert SocialAccount.objects.filter(pk=identity.pk).exists()


def test_one_of_two_identities_can_be_unlinked_without_a_password():
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    first = link(user, "google", GOOGLE_SUB)
    second = link(user, "github", str(GITHUB_ID))
    client = signed_in(user)

    removed = client.delete(f"{IDENTITIES}{first.pk}/")
    refused = client.delete(f"{IDENTITIES}{second.pk}/")

    assert removed.status_code == 204
    assert (refused.status_code, code_of(refused)) == (409, "last_login_method")
    assert list(SocialAccount.objects.values_list("pk", flat=True)) == [second.pk]


@pytest.mark.parametrize("whose", ["another user's", "unknown"])
def test_unlinking_someone_elses_identity_is_not_found(whose):
    other = link(UserFactory(), "google", GOOGLE_SUB)
    identity_id = other.pk if whose == "another user's" else other.pk + 1000

    response = signed_in(UserFactory()).delete(f"{IDENTITIES}{identity_id}/")

    assert (response.status_code, code_of(response)) == (404, "not_found")
    assert SocialAccount.objects.filter(pk=other.pk).exists()


def test_unlinking_needs_a_signed_in_caller():
    identity = link(UserFactory(), "google", GOOGLE_SUB)

    response = APIClient().delete(f"{IDENTITIES}{identity.pk}/")

    assert (response.status_code, code_of(response)) == (401, "not_authenticated")
    assert SocialAccount.objects.exists()


def test_linking_while_the_provider_is_down_is_unavailable(providers, signing_key):
    providers.replace(responses.GET, GOOGLE_CERTS_URL, body=requests.ConnectionError("Connection refused"))
    client = CommittingClient(raise_request_exception=False)
    client.force_authenticate(UserFactory())

    response = client.post(link_url("google"), {"id_token": google_token(signing_key)})

    assert_unavailable(response)
    assert not SocialAccount.objects.exists()
