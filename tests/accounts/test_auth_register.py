"""Signing up, verifying the email address, and the IsEmailVerified permission."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail
from django.core.cache import cache
from django.urls import include, path
from django.utils import timezone
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import IsEmailVerified
from accounts.services.auth_emails import uid_encode
from accounts.tokens import email_verification_token_generator as generator
from tests.accounts.test_auth_login import CommittingClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
VERIFY = "/api/v1/auth/verify-email/"
RESEND = "/api/v1/auth/verify-email/resend/"
ACCEPTED = {"detail": "Check your inbox to finish signing up."}
PASSWORD = "a long enough passphrase"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def api_client():
    return CommittingClient()


def code_of(response):
    return response.json()["errors"][0]["code"]


def link_parts(message):
    match = re.search(r"http://testserver\S*\?uid=(\S+)&token=(\S+)", message.body)
    return match.group(1), match.group(2)


# --- settings ---------------------------------------------------------------------------------


def test_base_settings_hash_passwords_with_argon2_first():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()
    assert hasher.encode("x", hasher.salt()).startswith("argon2$argon2id$")


def test_tokens_expire_after_auth_token_ttl(settings):
    from config.settings import base

    assert timedelta(days=30) == base.AUTH_TOKEN_TTL
    assert base.REST_KNOX["TOKEN_TTL"] == base.AUTH_TOKEN_TTL


# --- register ---------------------------------------------------------------------------------


def test_register_creates_an_account_and_emails_a_verification_link(api_client, settings):
    settings.SITE_URL = "http://testserver"

    response = api_client.post(
        REGISTER, {"email": "ana@example.com", "password": PASSWORD, "handle": "ana", "display_name": "Ana"}
    )

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    user = User.objects.get(email="ana@example.com")
    assert (user.handle, user.display_name, user.email_verified_at) == ("ana", "Ana", None)
    assert user.check_password(PASSWORD)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    assert mail.outbox[0].subject == "Confirm your email address for Fanfare"
    assert link_parts(mail.outbox[0]) == (uid_encode(user_id=user.pk), link_parts(mail.outbox[0])[1])


def test_register_with_a_taken_email_answers_the_same_and_notifies_the_owner(api_client):
    owner = UserFactory(email="ana@example.com", handle="ana")

    response = api_client.post(REGISTER, {"email": "ANA@example.com", "password": PASSWORD, "handle": "ana2"})

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert User.all_objects.count() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert mail.outbox[0].subject == "Someone tried to sign up to Fanfare with your email"
    assert "@ana" in mail.outbox[0].body


def test_register_with_a_soft_deleted_accounts_email_answers_the_same(api_client):
    UserFactory(email="gone@example.com", handle="gone").soft_delete()

    response = api_client.post(REGISTER, {"email": "gone@example.com", "password": PASSWORD, "handle": "newbie"})

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert not User.all_objects.filter(handle="newbie").exists()


def test_a_taken_handle_is_revealed_with_409(api_client):
    UserFactory(handle="ana")

    response = api_client.post(REGISTER, {"email": "new@example.com", "password": PASSWORD, "handle": "ANA"})

    assert response.status_code == 409
    assert code_of(response) == "handle_taken"


@pytest.mark.parametrize("email", ["new@example.com", "taken@example.com"])
def test_a_taken_handle_answers_409_whether_the_email_is_taken_or_not(api_client, email):
    UserFactory(email="taken@example.com", handle="ana")

    response = api_client.post(REGISTER, {"email": email, "password": PASSWORD, "handle": "ana"})

    assert response.status_code == 409
    assert code_of(response) == "handle_taken"
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["new@example.com", "taken@example.com"])
def test_a_weak_password_is_refused_whether_the_email_is_taken_or_not(api_client, email):
    UserFactory(email="taken@example.com")

    response = api_client.post(REGISTER, {"email": email, "password": "password", "handle": "newbie"})

    assert response.status_code == 400
    assert code_of(response) == "weak_password"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"password": PASSWORD, "handle": "ana"}, "email", "required"),
        ({"email": "not-an-email", "password": PASSWORD, "handle": "ana"}, "email", "invalid"),
        ({"email": "a@example.com", "handle": "ana"}, "password", "required"),
        ({"email": "a@example.com", "password": PASSWORD}, "handle", "required"),
    ],
)
def test_register_bad_input_is_a_validation_error(api_client, body, attr, code):
    response = api_client.post(REGISTER, body)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert (response.json()["errors"][0]["attr"], code_of(response)) == (attr, code)


def test_register_a_malformed_handle(api_client):
    response = api_client.post(REGISTER, {"email": "a@example.com", "password": PASSWORD, "handle": "no spaces"})

    assert response.status_code == 400
    assert code_of(response) == "invalid_handle"


def test_register_works_the_same_for_a_signed_in_caller(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.post(REGISTER, {"email": "b@example.com", "password": PASSWORD, "handle": "bea"})

    assert response.status_code == 202
    assert User.objects.filter(email="b@example.com").exists()


# --- verify -----------------------------------------------------------------------------------


def test_the_emailed_link_verifies_the_email_once(api_client, settings):
    settings.SITE_URL = "http://testserver"
    api_client.post(REGISTER, {"email": "ana@example.com", "password": PASSWORD, "handle": "ana"})
    uid, token = link_parts(mail.outbox[0])

    first = api_client.post(VERIFY, {"uid": uid, "token": token})
    again = api_client.post(VERIFY, {"uid": uid, "token": token})

    assert first.status_code == 200
    assert first.json() == {"detail": "Email verified."}
    assert User.objects.get(email="ana@example.com").email_verified_at is not None
    assert again.status_code == 400
    assert code_of(again) == "invalid_token"


def test_an_expired_link_is_refused(api_client, user, settings):
    settings.EMAIL_VERIFICATION_TIMEOUT = 3600
    issued = generator._num_seconds(generator._now() - timedelta(seconds=3601))
    token = generator._make_token_with_timestamp(user, issued, generator.secret)

    response = api_client.post(VERIFY, {"uid": uid_encode(user_id=user.pk), "token": token})

    assert response.status_code == 400
    assert code_of(response) == "invalid_token"
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_just_inside_its_lifetime_works(api_client, user, settings):
    settings.EMAIL_VERIFICATION_TIMEOUT = 3600
    issued = generator._num_seconds(generator._now() - timedelta(seconds=3500))
    token = generator._make_token_with_timestamp(user, issued, generator.secret)

    response = api_client.post(VERIFY, {"uid": uid_encode(user_id=user.pk), "token": token})

    assert response.status_code == 200


def test_the_default_verification_lifetime_is_three_days():
    from config.settings import base

    assert base.EMAIL_VERIFICATION_TIMEOUT == 3 * 24 * 3600


def test_a_link_for_another_user_does_not_verify(api_client, user):
    other = UserFactory()
    token = generator.make_token(other)

    response = api_client.post(VERIFY, {"uid": uid_encode(user_id=user.pk), "token": token})

    assert response.status_code == 400
    assert code_of(response) == "invalid_token"


@pytest.mark.parametrize("body", [{"uid": "!!!", "token": "x-y"}, {"uid": "bm9wZQ", "token": "garbage"}])
def test_garbage_links_are_invalid_tokens(api_client, body):
    response = api_client.post(VERIFY, body)

    assert response.status_code == 400
    assert code_of(response) == "invalid_token"


def test_verify_needs_uid_and_token(api_client):
    response = api_client.post(VERIFY, {"uid": "abc"})

    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], code_of(response)) == ("token", "required")


# --- resend -----------------------------------------------------------------------------------


def test_resend_emails_a_fresh_link_to_the_signed_in_user(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.post(RESEND)

    assert response.status_code == 202
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_resend_is_throttled(api_client, user):
    api_client.force_authenticate(user)

    statuses = [api_client.post(RESEND).status_code for _ in range(4)]

    assert statuses == [202, 202, 202, 429]
    assert len(mail.outbox) == 3


def test_resend_counts_per_user(api_client, user):
    other = UserFactory()
    api_client.force_authenticate(user)
    for _ in range(3):
        api_client.post(RESEND)
    api_client.force_authenticate(other)

    assert api_client.post(RESEND).status_code == 202


def test_resend_for_a_verified_email_is_refused(api_client, user):
    user.email_verified_at = timezone.now()
    user.save()
    api_client.force_authenticate(user)

    response = api_client.post(RESEND)

    assert response.status_code == 400
    assert code_of(response) == "email_already_verified"


def test_resend_needs_a_signed_in_user(api_client):
    response = api_client.post(RESEND)

    assert response.status_code == 401
    assert code_of(response) == "not_authenticated"


# --- IsEmailVerified --------------------------------------------------------------------------


class VerifiedProbe(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, IsEmailVerified]

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True}, status=201)


urlpatterns = [
    path("api/v1/probes/verified/", VerifiedProbe.as_view()),
    path("", include("config.urls")),
]


@pytest.mark.urls(__name__)
def test_unverified_users_can_read(api_client, user):
    api_client.force_authenticate(user)

    assert api_client.get("/api/v1/probes/verified/").status_code == 200


@pytest.mark.urls(__name__)
def test_unverified_users_cannot_write(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.post("/api/v1/probes/verified/")

    assert response.status_code == 403
    assert response.json()["errors"][0] == {
        "code": "email_unverified",
        "detail": "Verify your email address first.",
        "attr": None,
    }


@pytest.mark.urls(__name__)
def test_verified_users_can_write(api_client, user):
    user.email_verified_at = timezone.now()
    user.save()
    api_client.force_authenticate(user)

    assert api_client.post("/api/v1/probes/verified/").status_code == 201


@pytest.mark.urls(__name__)
def test_anonymous_writers_are_stopped_by_authentication_not_verification(api_client):
    response = api_client.post("/api/v1/probes/verified/")

    assert response.status_code == 401
    assert code_of(response) == "not_authenticated"
