"""The admin's "Latest emails" page reads what the file email backend wrote."""

import pytest
from django.core.mail import EmailMultiAlternatives

from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def test_the_latest_emails_written_to_files_are_listed_newest_first(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    admin = with_role(UserFactory(), "admin")
    EmailMultiAlternatives("First", "Hello one", to=["ana@example.com"]).send()
    second = EmailMultiAlternatives("Second", "Hello two", to=["bo@example.com"])
    second.attach_alternative("<p>Hello two</p>", "text/html")
    second.send()

    index = verified_client(admin).get("/admin/")
    page = verified_client(admin).get("/admin/dev/mail/")

    assert 'href="/admin/dev/mail/"' in index.content.decode()
    assert page.status_code == 200
    assert [(item.subject, item.to, item.body.strip()) for item in page.context["items"]] == [
        ("Second", "bo@example.com", "Hello two"),
        ("First", "ana@example.com", "Hello one"),
    ]


def test_without_the_file_backend_the_page_says_where_emails_go(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = with_role(UserFactory(), "admin")

    page = verified_client(admin).get("/admin/dev/mail/")

    assert page.status_code == 200
    assert page.context["items"] == []
    assert "Emails are not written to files here" in page.content.decode()
    assert 'href="/admin/dev/mail/"' not in verified_client(admin).get("/admin/").content.decode()


def test_only_staff_see_it():
    user = UserFactory()

    page = verified_client(user).get("/admin/dev/mail/")

    assert page.status_code == 302
    assert page.url.startswith("/admin/login/")
