"""Data exports: POST/GET /api/v1/accounts/me/export/, the build task, the signed download link."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import export as export_registry
from accounts import services
from accounts.models import DataExport, User
from accounts.services.export import download_token_make
from accounts.tasks import data_export_build_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/accounts/me/export/"


def error(response):
    return response.json()["errors"][0]


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def download_path(export, token=None):
    token = download_token_make(export=export) if token is None else token
    return f"{EXPORTS}{export.pk}/download/?token={token}"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://fanfare.example.com"
    settings.EXPORT_LINK_TTL = 7 * 24 * 3600
    return tmp_path


@pytest.fixture
def ana(db):
    return UserFactory(
        email="ana@example.com",
        handle="ana",
        display_name="Ana Lima",
        bio="Hi",
        links=[{"label": "Site", "url": "https://ana.example"}],
        timezone="UTC",
    )


@pytest.fixture
def ready_export(ana, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(user=ana)
    mail.outbox.clear()
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


# --- POST /me/export/ and the task ------------------------------------------------------------


def test_owner_requests_an_export_built_after_commit_and_emailed(api_client, ana, django_capture_on_commit_callbacks):
    api_client.force_authenticate(ana)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_client.post(EXPORTS)

    assert response.status_code == 202
    export = DataExport.objects.get(user=ana)
    assert response.json() == {
        "id": str(export.pk),
        "status": "requested",
        "created_at": iso(export.created_at),
        "expires_at": None,
        "download_url": None,
    }
    assert len(callbacks) == 1  # the task waits for the commit

    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()

    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.file.name.startswith("exports/")
    assert export.file.name.endswith(".json")
    assert abs(export.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(seconds=5)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (["ana@example.com"], "Your Fanfare data export is ready")
    link = re.search(r"https://fanfare\.example\.com(\S+)", message.body)[1]
    assert link.startswith(f"/api/v1/accounts/me/export/{export.pk}/download/?token=")
    assert f"The link works until {export.expires_at.day} {export.expires_at:%B %Y, %H:%M} (UTC)." in message.body
    download = api_client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == export.file.open("rb").read()


def test_the_archive_holds_every_registered_section_exactly(ana, ready_export, api_client):
    totp = TOTPDevice.objects.create(user=ana, name="phone", confirmed=True)
    services.backup_codes_regenerate(user=ana)
    backup = ana.staticdevice_set.get()
    DataExport.objects.filter(pk=ready_export.pk).update(status=DataExport.Status.REQUESTED, file="")

    data_export_build_task(str(ready_export.pk))

    ready_export.refresh_from_db()
    archive = json.loads(ready_export.file.open("rb").read())
    assert abs(timezone.datetime.fromisoformat(archive.pop("generated_at")) - timezone.now()) < timedelta(seconds=5)
    assert archive == {
        "format": "fanfare-export/1",
        "user_id": str(ana.pk),
        "sections": {
            "profile": {
                "id": str(ana.pk),
                "email": "ana@example.com",
                "email_verified_at": None,
                "handle": "ana",
                "display_name": "Ana Lima",
                "bio": "Hi",
                "links": [{"label": "Site", "url": "https://ana.example"}],
                "locale": "en",
                "timezone": "UTC",
                "avatar": None,
                "created_at": ana.created_at.isoformat(),
                "last_login": None,
                "followers_count": 0,
                "following_count": 0,
                "posts_count": 0,
                "videos_count": 0,
                "is_private": False,
            },
            "second_factor_devices": [
                {
                    "type": "totp",
                    "name": "phone",
                    "confirmed": True,
                    "created_at": totp.created_at.isoformat(),
                    "last_used_at": None,
                },
                {
                    "type": "static",
                    "name": "backup",
                    "confirmed": True,
                    "created_at": backup.created_at.isoformat(),
                    "last_used_at": None,
                },
            ],
            # Content's sections (content/export.py): Ana has written and uploaded nothing.
            "posts": [],
            "videos": [],
            # Social's sections (social/export.py): Ana follows, blocks and mutes nobody.
            "social_graph": {
                "following": [],
                "followers": [],
                "follow_requests_sent": [],
                "follow_requests_received": [],
                "blocks": [],
                "mutes": [],
            },
            # No comments, likes or saves.
            "comments": [],
            "likes": [],
            "saves": [],
            # Streaming's sections (streaming/export.py): no streams, no reminders.
            "live_streams": [],
            "stream_reminders": [],
            # Moderation's section (moderation/export.py): Ana reported nothing.
            "reports": [],
        },
    }
    raw = ready_export.file.open("rb").read().decode()
    assert totp.key not in raw
    assert ana.password not in raw


def test_another_app_adds_its_section(ana, ready_export, monkeypatch):
    monkeypatch.setattr(export_registry, "_registry", dict(export_registry._registry))
    export_registry.register("playlists", lambda user: [{"title": f"by {user.handle}"}])
    DataExport.objects.filter(pk=ready_export.pk).update(status=DataExport.Status.REQUESTED)

    data_export_build_task(str(ready_export.pk))

    ready_export.refresh_from_db()
    sections = json.loads(ready_export.file.open("rb").read())["sections"]
    assert list(sections) == [
        "profile", "second_factor_devices", "posts", "videos", "social_graph", "comments", "likes", "saves",
        "live_streams", "stream_reminders", "reports", "playlists",
    ]  # fmt: skip
    assert sections["playlists"] == [{"title": "by ana"}]


def test_the_task_run_twice_builds_and_emails_once(ana, ready_export, media, django_capture_on_commit_callbacks):
    name = ready_export.file.name

    with django_capture_on_commit_callbacks(execute=True):
        assert data_export_build_task(str(ready_export.pk)) == "ready"

    ready_export.refresh_from_db()
    assert ready_export.file.name == name
    assert [path.name for path in media.rglob("*.json")] == [name.rsplit("/", 1)[1]]
    assert mail.outbox == []


def test_an_export_left_building_by_a_dead_worker_is_built_again(ana, django_capture_on_commit_callbacks):
    export = DataExport.objects.create(user=ana, status=DataExport.Status.BUILDING)

    with django_capture_on_commit_callbacks(execute=True):
        assert data_export_build_task(str(export.pk)) == "ready"

    assert len(mail.outbox) == 1


def test_a_failing_section_marks_the_export_failed_and_allows_a_new_request(
    api_client, ana, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(export_registry, "_registry", dict(export_registry._registry))

    def broken(user):
        raise RuntimeError("boom")

    export_registry.register("broken", broken)
    api_client.force_authenticate(ana)

    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(EXPORTS).status_code == 202

    export = DataExport.objects.get(user=ana)
    assert (export.status, export.error, export.file.name) == ("failed", "RuntimeError: boom", "")
    assert mail.outbox == []
    assert data_export_build_task(str(export.pk)) == "failed"  # stays failed
    assert api_client.post(EXPORTS).status_code == 202


def test_the_export_of_a_deleted_account_is_not_built(ana, django_capture_on_commit_callbacks):
    export = DataExport.objects.create(user=ana)
    ana.soft_delete()

    with django_capture_on_commit_callbacks(execute=True):
        assert data_export_build_task(str(export.pk)) == "failed"

    assert mail.outbox == []


def test_the_task_ignores_an_unknown_id():
    assert data_export_build_task("01936a20-0f00-7a6b-8c3d-5e4f3a2b1c0d") is None


def test_a_second_request_within_a_day_is_rate_limited_with_retry_after(api_client, ana, monkeypatch):
    now = timezone.now()
    DataExport.objects.create(user=ana, created_at=now - timedelta(hours=23))
    monkeypatch.setattr(timezone, "now", lambda: now)
    api_client.force_authenticate(ana)

    response = api_client.post(EXPORTS)

    assert response.status_code == 429
    assert error(response)["code"] == "export_rate_limited"
    assert response["Retry-After"] == "3600"
    assert DataExport.objects.filter(user=ana).count() == 1


def test_a_request_a_day_after_the_last_is_accepted(api_client, ana):
    DataExport.objects.create(user=ana, created_at=timezone.now() - timedelta(hours=24, seconds=1))
    api_client.force_authenticate(ana)

    assert api_client.post(EXPORTS).status_code == 202


def test_another_users_export_does_not_limit_mine(api_client, ana):
    DataExport.objects.create(user=UserFactory())
    api_client.force_authenticate(ana)

    assert api_client.post(EXPORTS).status_code == 202


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_cannot_list_or_request_exports(api_client, method):
    response = getattr(api_client, method)(EXPORTS)

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


# --- GET /me/export/ --------------------------------------------------------------------------


def test_owner_lists_only_their_exports_newest_first(api_client, ana, ready_export):
    failed = DataExport.objects.create(user=ana, status=DataExport.Status.FAILED, error="boom")
    DataExport.objects.create(user=UserFactory())
    api_client.force_authenticate(ana)

    response = api_client.get(EXPORTS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [str(failed.pk), str(ready_export.pk)]
    assert results[0] == {
        "id": str(failed.pk),
        "status": "failed",
        "created_at": iso(failed.created_at),
        "expires_at": None,
        "download_url": None,
    }
    assert results[1]["status"] == "ready"
    assert results[1]["expires_at"] == iso(ready_export.expires_at)
    assert results[1]["download_url"].startswith(f"http://testserver{EXPORTS}{ready_export.pk}/download/?token=")
    assert api_client.get(results[1]["download_url"]).status_code == 200
    assert "error" not in results[0]


def test_another_user_sees_none_of_my_exports(api_client, ready_export):
    api_client.force_authenticate(UserFactory())

    response = api_client.get(EXPORTS)

    assert (response.status_code, response.json()["results"]) == (200, [])


@pytest.mark.parametrize("page_size", [2, 20])
def test_the_list_reads_one_query_whatever_the_page_size(api_client, ana, page_size, django_assert_num_queries):
    DataExport.objects.bulk_create([DataExport(user=ana, status=DataExport.Status.FAILED) for _ in range(25)])
    api_client.force_authenticate(ana)

    with django_assert_num_queries(1):
        response = api_client.get(EXPORTS, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


# --- GET /me/export/<id>/download/ ------------------------------------------------------------


def test_owner_downloads_the_archive(api_client, ana, ready_export):
    api_client.force_authenticate(ana)

    response = api_client.get(download_path(ready_export))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="fanfare-export-{ready_export.created_at:%Y-%m-%d}.json"'
    )
    body = b"".join(response.streaming_content)
    assert json.loads(body)["sections"]["profile"]["email"] == "ana@example.com"


def test_another_user_with_the_link_gets_not_found(api_client, ready_export):
    api_client.force_authenticate(UserFactory())

    response = api_client.get(download_path(ready_export))

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_anonymous_with_the_link_must_sign_in(api_client, ready_export):
    response = api_client.get(download_path(ready_export))

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("token", ["", "garbage", "tampered"])
def test_a_missing_or_forged_token_is_refused(api_client, ana, ready_export, token):
    if token == "tampered":
        token = download_token_make(export=ready_export)[:-2] + "xx"
    api_client.force_authenticate(ana)

    response = api_client.get(download_path(ready_export, token=token))

    assert response.status_code == 403
    assert error(response)["code"] == "invalid_link"


def test_a_token_for_another_export_is_refused(api_client, ana, ready_export):
    other = DataExport.objects.create(user=ana, status=DataExport.Status.FAILED)
    api_client.force_authenticate(ana)

    response = api_client.get(download_path(ready_export, token=download_token_make(export=other)))

    assert response.status_code == 403
    assert error(response)["code"] == "invalid_link"


def test_an_old_link_has_expired(api_client, ana, ready_export, monkeypatch, settings):
    issued = int(time.time()) - settings.EXPORT_LINK_TTL - 1
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued))
    token = download_token_make(export=ready_export)
    monkeypatch.undo()
    api_client.force_authenticate(ana)

    response = api_client.get(download_path(ready_export, token=token))

    assert response.status_code == 410
    assert error(response)["code"] == "link_expired"


def test_an_expired_export_is_gone_even_with_a_fresh_link(api_client, ana, ready_export):
    DataExport.objects.filter(pk=ready_export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    api_client.force_authenticate(ana)

    response = api_client.get(download_path(ready_export))

    assert response.status_code == 410
    assert error(response)["code"] == "link_expired"


def test_an_export_not_built_yet_is_a_conflict(api_client, ana):
    export = DataExport.objects.create(user=ana, status=DataExport.Status.BUILDING)
    api_client.force_authenticate(ana)

    response = api_client.get(download_path(export))

    assert response.status_code == 409
    assert error(response)["code"] == "export_not_ready"


def test_a_malformed_export_id_is_not_found(api_client, ana):
    api_client.force_authenticate(ana)

    response = api_client.get(f"{EXPORTS}not-a-uuid/download/?token=x")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_purging_the_account_deletes_its_exports(
    ana, ready_export, media, settings, django_capture_on_commit_callbacks
):
    path = media / ready_export.file.name
    User.all_objects.filter(pk=ana.pk).update(deleted_at=timezone.now() - timedelta(days=99))

    with django_capture_on_commit_callbacks(execute=True):
        services.deleted_accounts_purge()

    assert not DataExport.objects.filter(pk=ready_export.pk).exists()
    assert not path.exists()


def test_expired_archives_are_deleted_and_marked(django_capture_on_commit_callbacks, settings, tmp_path):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from accounts.models import DataExport
    from accounts.services.export import data_exports_expire

    settings.MEDIA_ROOT = tmp_path
    user = UserFactory()
    now = timezone.now()
    old_name = default_storage.save("exports/test/old.json", ContentFile(b"{}"))
    fresh_name = default_storage.save("exports/test/fresh.json", ContentFile(b"{}"))
    old = DataExport.objects.create(user=user, status="ready", file=old_name, expires_at=now - timedelta(minutes=1))
    fresh = DataExport.objects.create(user=user, status="ready", file=fresh_name, expires_at=now + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        expired = data_exports_expire(now=now)
    again = data_exports_expire(now=now)

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (expired, again) == (1, 0)
    assert (old.status, old.file.name) == ("expired", "")
    assert not default_storage.exists(old_name)
    assert (fresh.status, fresh.file.name) == ("ready", fresh_name)
    assert default_storage.exists(fresh_name)
