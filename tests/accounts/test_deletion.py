"""Account deletion (DELETE /api/v1/accounts/me/) and the final purge (manage.py purge_deleted_accounts)."""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from PIL import Image

from accounts import deletion, services
from accounts.deletion import PurgeStep
from accounts.models import DataExport, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def error(response):
    return response.json()["errors"][0]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def token_for(user):
    _instance, token = AuthToken.objects.create(user=user)
    return token


def session_hash(session_key):
    return Session.objects.get(session_key=session_key).get_decoded()[HASH_SESSION_KEY]


def session_for(user):
    client = Client()
    client.force_login(user)
    return client.session.session_key


# --- DELETE /me/ ------------------------------------------------------------------------------


def test_owner_deletes_their_account(api_client, django_capture_on_commit_callbacks, settings):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 30
    ana = UserFactory(email="ana@example.com", handle="ana", timezone="Europe/Paris")
    other = UserFactory()
    token, other_token = token_for(ana), token_for(other)
    token_for(ana)
    ana_session, other_session = session_for(ana), session_for(other)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete(ME, {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    ana = User.all_objects.get(pk=ana.pk)
    assert ana.deleted_at is not None
    assert abs(timezone.now() - ana.deleted_at) < timedelta(seconds=5)
    assert not User.objects.filter(pk=ana.pk).exists()
    # every token and session of Ana's is gone; the other user's are not
    assert list(AuthToken.objects.values_list("user_id", flat=True)) == [other.pk]
    # Django drops a session whose stored auth hash no longer matches the account's: Ana's
    # sessions are dead (the revocation raised her auth epoch), the other user's still match.
    assert session_hash(ana_session) != ana.get_session_auth_hash()
    assert session_hash(other_session) == other.get_session_auth_hash()
    # the email says until when logging in restores the account, in Ana's time zone
    final = (ana.deleted_at + timedelta(days=30)).astimezone(ZoneInfo("Europe/Paris"))
    final_text = f"{final.day} {final:%B %Y, %H:%M} (Europe/Paris)"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    assert message.subject == f"Your Fanfare account will be deleted on {final_text}"
    assert f"Your account and your data will be deleted for good after {final_text}." in message.body
    assert "Log in before then with your email and password, and your account is\nrestored" in message.body
    # the token used for the request no longer works
    assert api_client.get(ME).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {other_token}")
    assert api_client.get(ME).status_code == 200


def test_deleting_over_a_session_logs_that_session_out(api_client):
    ana = UserFactory()
    api_client.force_login(ana)
    session_key = api_client.session.session_key

    response = api_client.delete(ME, {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not Session.objects.filter(session_key=session_key).exists()
    assert api_client.get(ME).status_code == 401


def test_a_deleted_account_disappears_from_public_profiles(api_client):
    ana = UserFactory(handle="ana")
    services.account_delete(user=ana, password=PASSWORD)

    response = api_client.get("/api/v1/accounts/ana/")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_wrong_password_deletes_nothing(api_client, django_capture_on_commit_callbacks):
    ana = UserFactory()
    token = token_for(ana)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete(ME, {"password": "not it"}, format="json")

    assert response.status_code == 400
    assert error(response)["code"] == "invalid_password"
    assert User.objects.get(pk=ana.pk).deleted_at is None
    assert AuthToken.objects.filter(user=ana).count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(("payload", "code"), [({}, "required"), ({"password": ""}, "blank")])
def test_a_missing_password_is_a_validation_error(api_client, payload, code):
    api_client.force_authenticate(UserFactory())

    response = api_client.delete(ME, payload, format="json")

    assert response.status_code == 400
    assert (error(response)["attr"], error(response)["code"]) == ("password", code)


def test_another_user_deleting_their_account_leaves_mine(api_client):
    ana, bo = UserFactory(), UserFactory()
    ana_token = token_for(ana)
    api_client.force_authenticate(bo)

    assert api_client.delete(ME, {"password": PASSWORD}, format="json").status_code == 204

    assert User.objects.filter(pk=ana.pk).exists()
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {ana_token}")
    assert api_client.get(ME).status_code == 200


def test_anonymous_cannot_delete(api_client):
    response = api_client.delete(ME, {"password": PASSWORD}, format="json")

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


# --- purge_deleted_accounts -------------------------------------------------------------------


def png():
    output = io.BytesIO()
    Image.new("RGB", (8, 8)).save(output, format="PNG")
    return SimpleUploadedFile("a.png", output.getvalue(), content_type="image/png")


def deleted_user(*, days_ago, **fields):
    user = UserFactory(**fields)
    User.all_objects.filter(pk=user.pk).update(deleted_at=timezone.now() - timedelta(days=days_ago))
    return User.all_objects.get(pk=user.pk)


@pytest.fixture
def due(settings, media):
    """An account deleted 31 days ago (grace: 30) with everything accounts keeps about it."""
    settings.ACCOUNT_DELETION_GRACE_DAYS = 30
    user = UserFactory(
        email="gone@example.com",
        handle="gone",
        display_name="Gone Soon",
        bio="bio",
        links=[{"label": "x", "url": "https://x.example"}],
        locale="fr",
        timezone="Europe/Paris",
        email_verified_at=timezone.now(),
    )
    services.avatar_set(user=user, upload=png())
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    EmailDevice.objects.create(user=user, name="email", confirmed=True)
    services.backup_codes_regenerate(user=user)
    token_for(user)
    token_for(user)
    session_for(user)
    name = default_storage.save("exports/2026/11/old.json", ContentFile(b"{}"))
    DataExport.objects.create(
        user=user, status=DataExport.Status.READY, file=name, expires_at=timezone.now() + timedelta(days=1)
    )
    User.all_objects.filter(pk=user.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    return User.all_objects.get(pk=user.pk)


def snapshot(media):
    return {
        "users": list(User.all_objects.order_by("id").values()),
        "devices": (TOTPDevice.objects.count(), EmailDevice.objects.count(), StaticDevice.objects.count()),
        "static_tokens": StaticToken.objects.count(),
        "tokens": sorted(AuthToken.objects.values_list("digest", flat=True)),
        "sessions": sorted(Session.objects.values_list("session_key", flat=True)),
        "exports": list(DataExport.objects.order_by("id").values()),
        "files": sorted(str(path.relative_to(media)) for path in media.rglob("*.*")),
    }


def purge(*args):
    out = io.StringIO()
    call_command("purge_deleted_accounts", *args, stdout=out)
    return out.getvalue().splitlines()


def expected_steps(user):
    short = user.pk.hex[-16:]
    return [
        "  - accounts: delete 3 second-factor devices",
        "  - accounts: delete 2 API tokens",
        "  - accounts: delete 1 session",
        "  - accounts: delete 1 data export and 1 file",
        f"  - accounts: delete avatar file {user.avatar.name}",
        f"  - accounts: anonymise the account: email deleted-{user.pk}@invalid, handle deleted_{short}, "
        "profile cleared, password unusable",
    ]


def test_dry_run_prints_the_plan_and_changes_nothing(due, media, django_capture_on_commit_callbacks):
    recent = deleted_user(days_ago=29)
    UserFactory()  # alive
    before = snapshot(media)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lines = purge("--dry-run")

    assert lines == [
        f"Would purge account {due.pk} (@gone, deleted {due.deleted_at:%Y-%m-%d}):",
        *expected_steps(due),
        "Would purge 1 account (grace period 30 days).",
    ]
    assert callbacks == []
    assert snapshot(media) == before
    assert not any(str(recent.pk) in line for line in lines)


def test_the_real_run_does_exactly_what_the_dry_run_said(due, media, django_capture_on_commit_callbacks):
    recent = deleted_user(days_ago=29)
    alive = UserFactory()
    alive_token, alive_session = token_for(alive), session_for(alive)
    avatar, export_file = due.avatar.name, DataExport.objects.get(user=due).file.name
    dry = purge("--dry-run")

    with django_capture_on_commit_callbacks(execute=True):
        real = purge()

    assert real[1:-1] == dry[1:-1]
    assert real[0] == f"Purged account {due.pk} (@gone, deleted {due.deleted_at:%Y-%m-%d}):"
    assert real[-1] == "Purged 1 account (grace period 30 days)."
    # each step did what it said, and nothing of anyone else's went
    assert TOTPDevice.objects.filter(user=due).count() == 0
    assert EmailDevice.objects.filter(user=due).count() == 0
    assert StaticDevice.objects.filter(user=due).count() == 0
    assert StaticToken.objects.count() == 0
    assert list(AuthToken.objects.values_list("user_id", flat=True)) == [alive.pk]
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive_session]
    assert DataExport.objects.count() == 0
    assert not (media / avatar).exists()
    assert not (media / export_file).exists()
    tombstone = User.all_objects.get(pk=due.pk)
    assert {
        "email": tombstone.email,
        "handle": tombstone.handle,
        "display_name": tombstone.display_name,
        "bio": tombstone.bio,
        "links": tombstone.links,
        "avatar": tombstone.avatar.name,
        "locale": tombstone.locale,
        "timezone": tombstone.timezone,
        "email_verified_at": tombstone.email_verified_at,
        "is_active": tombstone.is_active,
        "usable_password": tombstone.has_usable_password(),
        "deleted_at": tombstone.deleted_at,
        "metadata_keys": list(tombstone.extra_metadata),
    } == {
        "email": f"deleted-{due.pk}@invalid",
        "handle": f"deleted_{due.pk.hex[-16:]}",
        "display_name": "",
        "bio": "",
        "links": [],
        "avatar": "",
        "locale": "en",
        "timezone": "UTC",
        "email_verified_at": None,
        "is_active": False,
        "usable_password": False,
        "deleted_at": due.deleted_at,
        "metadata_keys": ["purged_at"],
    }
    assert User.all_objects.get(pk=recent.pk).email == recent.email
    assert AuthToken.objects.filter(user=alive).count() == 1
    assert alive_token
    # the email and handle are free again, and a second run has nothing to do
    services.user_create(email="gone@example.com", handle="gone", password=None)
    assert purge() == ["Purged 0 accounts (grace period 30 days)."]


def test_an_account_restored_before_the_purge_is_left_alone(due):
    User.all_objects.filter(pk=due.pk).update(deleted_at=None)

    assert purge() == ["Purged 0 accounts (grace period 30 days)."]
    assert User.objects.get(pk=due.pk).email == "gone@example.com"


def test_other_apps_plug_their_steps_into_the_purge_before_accounts(due, monkeypatch):
    monkeypatch.setattr(deletion, "_registry", dict(deletion._registry))
    ran = []

    def ledger_handler(user):
        return [PurgeStep(f"anonymise ledger rows of {user.handle}", lambda: ran.append(user.pk))]

    deletion.register("billing", ledger_handler, order=10)

    dry = purge("--dry-run")
    assert ran == []
    real = purge()

    assert dry[1] == real[1] == "  - billing: anonymise ledger rows of gone"
    assert real[2] == "  - accounts: delete 3 second-factor devices"
    assert ran == [due.pk]


def test_a_name_is_registered_once(monkeypatch):
    monkeypatch.setattr(deletion, "_registry", dict(deletion._registry))

    with pytest.raises(ValueError, match="already registered as 'accounts'"):
        deletion.register("accounts", lambda user: [])
