"""The staff screens: a user's notifications with their delivery attempts, and announcements."""

import pytest

from notifications import services
from notifications.models import Announcement, DeliveryAttempt, Notification
from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def admin_client(user):
    return verified_client(user)


def test_a_moderator_finds_a_users_notifications_and_their_delivery_attempts():
    moderator = with_role(UserFactory(), "moderator")
    ana = UserFactory(handle="ana")
    notification = services.notify(recipient=ana, kind="follow", actor=UserFactory())
    DeliveryAttempt.objects.create(
        notification=notification, channel="push", status="failed", error="UNREGISTERED token"
    )
    client = admin_client(moderator)

    listing = client.get("/admin/notifications/notification/?q=ana")
    detail = client.get(f"/admin/notifications/notification/{notification.pk}/change/")

    assert [n.pk for n in listing.context["cl"].result_list] == [notification.pk]
    assert detail.status_code == 200
    assert "UNREGISTERED token" in detail.content.decode()


def test_moderators_cannot_send_announcements():
    moderator = with_role(UserFactory(), "moderator")

    assert admin_client(moderator).get("/admin/notifications/announcement/add/").status_code == 403


def test_an_admin_sends_an_announcement_to_a_role_and_sees_its_progress(django_capture_on_commit_callbacks):
    admin = with_role(UserFactory(), "admin")
    creators = [with_role(UserFactory(), "creator") for _ in range(3)]
    UserFactory()  # not a creator: not in the audience
    client = admin_client(admin)
    form = {"title": "Payouts move to Fridays", "body": "From December.", "url": "https://fanfare.example/news",
            "role": "creator"}  # fmt: skip

    # The first save only shows how many people it would reach, and sends nothing.
    preview = client.post("/admin/notifications/announcement/add/", form)
    assert preview.status_code == 200
    assert preview.context["adminform"].form.non_field_errors() == [
        "This announcement will go to 3 active users (Creator). Nothing is sent yet: tick “Send it” and save."
    ]
    html = preview.content.decode()
    assert "Please correct the error below" not in html
    assert '<li class="warning">This announcement will go to 3 active users (Creator).' in html
    assert not Announcement.objects.exists()
    assert "Progress" not in client.get("/admin/notifications/announcement/add/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/notifications/announcement/add/", {**form, "confirm": "on"})

    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert (announcement.status, announcement.total, announcement.sent_count, announcement.created_by) == (
        "done",
        3,
        3,
        admin,
    )
    assert sorted(Notification.objects.filter(kind="announcement").values_list("recipient_id", flat=True)) == sorted(
        c.pk for c in creators
    )
    listing = client.get("/admin/notifications/announcement/")
    assert "100%" in listing.content.decode()


def test_an_announcement_to_an_unknown_role_is_refused_by_the_form():
    admin = with_role(UserFactory(), "admin")

    response = admin_client(admin).post(
        "/admin/notifications/announcement/add/", {"title": "x", "body": "", "url": "", "role": "emperor"}
    )

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert not Announcement.objects.exists()
