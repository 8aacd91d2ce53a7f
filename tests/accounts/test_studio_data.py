"""The studio's "Your data" page: request an export and follow its build (core.outbox state)."""

import pytest
from django.utils import timezone

from accounts.models import DataExport
from core.models import OutboxTask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def test_the_empty_page_says_no_exports_yet(client):
    page = _client(client, UserFactory()).get("/studio/account/data/")

    assert page.status_code == 200
    assert 'data-testid="exports-empty"' in page.content.decode()
    assert 'http-equiv="refresh"' not in page.content.decode()


def test_a_requested_export_is_built_and_offers_its_download(client, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=timezone.now())
    studio = _client(client, user)

    with django_capture_on_commit_callbacks(execute=True):  # eager in tests: the build runs at commit
        response = studio.post("/studio/account/data/export/")

    assert response.status_code == 302
    export = DataExport.objects.get(user=user)
    assert export.status == DataExport.Status.READY
    html = studio.get("/studio/account/data/").content.decode()
    assert f"/api/v1/accounts/me/export/{export.pk}/download/?token=" in html
    assert "Ready" in html


def test_an_export_waiting_for_a_worker_shows_its_progress_and_the_page_refreshes(client):
    user = UserFactory()
    export = DataExport.objects.create(user=user)
    OutboxTask.objects.create(task="accounts.data_export_build", args=[str(export.pk)], kwargs={})

    html = _client(client, user).get("/studio/account/data/").content.decode()

    assert 'data-testid="export-progress">Waiting for a worker (' in html
    assert '<meta http-equiv="refresh" content="5">' in html


def test_a_second_request_the_same_day_is_refused_with_a_message(client):
    user = UserFactory()
    DataExport.objects.create(user=user)  # requested a moment ago, still waiting

    page = _client(client, user).post("/studio/account/data/export/", follow=True)

    assert DataExport.objects.filter(user=user).count() == 1
    assert "You can request one data export a day" in page.content.decode()


def test_another_users_exports_are_not_listed(client):
    DataExport.objects.create(user=UserFactory())

    html = _client(client, UserFactory()).get("/studio/account/data/").content.decode()

    assert 'data-testid="export-row"' not in html
