"""The operators' commands, run as operators run them."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import services
from notifications.models import Notification, NotificationSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def old_notifications():
    user = UserFactory()
    expired = services.notify(recipient=user, kind="follow", actor=UserFactory())
    Notification.all_objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    read = services.notify(recipient=user, kind="mention", actor=UserFactory())
    Notification.all_objects.filter(pk=read.pk).update(read_at=timezone.now() - timedelta(days=100))
    fresh_read = services.notify(recipient=user, kind="comment", actor=UserFactory())
    Notification.all_objects.filter(pk=fresh_read.pk).update(read_at=timezone.now() - timedelta(days=5))
    unread = services.notify(recipient=user, kind="tip", actor=UserFactory())
    return expired, read, fresh_read, unread


def test_purge_dry_run_counts_and_changes_nothing():
    old_notifications()

    output = run("purge_notifications", "--dry-run", "--older-than", "30")

    assert output == "would remove 2 notifications: 1 expired, 1 read, 0 deleted (older than 30 days)"
    assert Notification.all_objects.count() == 4


def test_purge_removes_exactly_what_the_dry_run_said():
    _expired, _read, fresh_read, unread = old_notifications()
    said = run("purge_notifications", "--dry-run", "--older-than", "30")

    output = run("purge_notifications", "--older-than", "30")

    assert output == said.replace("would remove", "removed")
    assert set(Notification.all_objects.values_list("pk", flat=True)) == {fresh_read.pk, unread.pk}


def test_send_digests_sends_once_a_period(django_capture_on_commit_callbacks):
    user = UserFactory(email="rita@example.com")
    NotificationSettings.objects.create(user=user, digest_frequency="weekly")
    services.notify(recipient=user, kind="follow", actor=UserFactory(display_name="Ana"))

    with django_capture_on_commit_callbacks(execute=True):
        first = run("send_digests", "--frequency", "weekly")
    with django_capture_on_commit_callbacks(execute=True):
        second = run("send_digests", "--frequency", "weekly")
    daily = run("send_digests")

    assert (first, second, daily) == ("sent 1 weekly digests", "sent 0 weekly digests", "sent 0 daily digests")
    assert [m.to for m in mail.outbox] == [["rita@example.com"]]


def test_send_digests_dry_run_counts_what_is_due_and_sends_nothing(django_capture_on_commit_callbacks):
    user = UserFactory(email="rita@example.com")
    NotificationSettings.objects.create(user=user, digest_frequency="weekly")
    NotificationSettings.objects.create(user=UserFactory(), digest_frequency="weekly")  # nothing unread
    services.notify(recipient=user, kind="follow", actor=UserFactory(display_name="Ana"))

    with django_capture_on_commit_callbacks(execute=True):
        said = run("send_digests", "--frequency", "weekly", "--dry-run")
    assert said == "would send 1 weekly digests"
    assert mail.outbox == []
    assert not NotificationSettings.objects.filter(last_digest_at__isnull=False).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert run("send_digests", "--frequency", "weekly") == said.replace("would send", "sent")
    assert [m.to for m in mail.outbox] == [["rita@example.com"]]
