"""The studio's notification pages without a browser: links to targets, the header's count,
and one user's inbox closed to another."""

import pytest
from django.test import Client

from notifications.models import Notification
from notifications.services import notify
from tests.content.video_factories import VerifiedUserFactory, VideoFactory

pytestmark = pytest.mark.django_db


def studio(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_links_each_notification_to_its_studio_page_and_counts_unread():
    creator = VerifiedUserFactory()
    video = VideoFactory(owner=creator, title="Sunset")
    notify(recipient=creator, kind="comment", actor=VerifiedUserFactory(), target=video)
    notify(recipient=creator, kind="follow", actor=VerifiedUserFactory(), target=creator)

    page = studio(creator).get("/studio/notifications/")

    assert page.status_code == 200
    assert [row["url"] for row in page.context["rows"]] == [None, f"/studio/videos/{video.pk}/"]
    assert page.context["studio_inbox"]["unread"] == 2
    assert f'<a href="/studio/videos/{video.pk}/">' in page.content.decode()


def test_marking_another_users_notification_read_changes_nothing():
    owner, other = VerifiedUserFactory(), VerifiedUserFactory()
    notification = notify(recipient=owner, kind="follow", actor=VerifiedUserFactory(), target=owner)

    response = studio(other).post(f"/studio/notifications/{notification.pk}/read/", follow=True)

    assert response.status_code == 200
    assert Notification.objects.get(pk=notification.pk).read_at is None
    assert [str(m) for m in response.context["messages"]] == ["No such notification."]


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/studio/notifications/")

    assert response.status_code == 302
    assert response.url == "/studio/login/?next=/studio/notifications/"
