"""The REST API under /api/v1/notifications/: owner, another user, anonymous, bad input."""

import pytest
from rest_framework.test import APIClient

from notifications import services
from notifications.models import Notification, PushToken
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory, PushTokenFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def code_of(response):
    return response.json()["errors"][0]["code"]


@pytest.fixture
def owner():
    return UserFactory(display_name="Owner")


def like_group(recipient, target, n):
    for i in range(n):
        services.notify(recipient=recipient, kind="like", actor=UserFactory(display_name=f"Fan {i}"), target=target)


def test_the_list_is_grouped_with_a_count_and_eight_sample_actors(owner):
    target = UserFactory(handle="my_post")
    like_group(owner, target, 13)

    body = client_for(owner).get(LIST).json()

    assert len(body["results"]) == 1
    group = body["results"][0]
    assert group["kind"] == "like"
    assert group["actor_count"] == 13
    assert len(group["actors"]) == 8
    assert group["actors"][0]["display_name"] == "Fan 12"
    assert group["text"] == "Fan 12 and 12 others liked @my_post"
    assert group["target"] == {"type": "accounts.user", "id": str(target.pk), "title": "@my_post"}
    assert group["unread"] is True


def test_unread_filter_and_another_users_inbox_stay_apart(owner):
    read = NotificationFactory(recipient=owner, read_at="2026-01-01T00:00:00Z")
    unread = NotificationFactory(recipient=owner)
    NotificationFactory(recipient=UserFactory())

    all_ids = [g["id"] for g in client_for(owner).get(LIST).json()["results"]]
    unread_ids = [g["id"] for g in client_for(owner).get(LIST + "?unread=true").json()["results"]]

    assert all_ids == [str(unread.pk), str(read.pk)]
    assert unread_ids == [str(unread.pk)]


def test_paging_works_over_groups(owner):
    for _ in range(5):
        like_group(owner, UserFactory(), 2)
    client = client_for(owner)

    first = client.get(LIST + "?page_size=3").json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 3
    assert len(second["results"]) == 2
    assert second["next"] is None
    assert {g["id"] for g in first["results"]}.isdisjoint({g["id"] for g in second["results"]})


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_list_query_count_does_not_grow_with_the_page(owner, page_size, django_assert_max_num_queries):
    for _ in range(page_size):
        like_group(owner, UserFactory(), 3)
    client = client_for(owner)

    # the page of groups and the sample actors of all of them
    with django_assert_max_num_queries(2):
        response = client.get(f"{LIST}?page_size={page_size}")

    assert len(response.json()["results"]) == page_size


def test_anonymous_gets_401_everywhere():
    client = APIClient()
    for method, url in [
        ("get", LIST),
        ("get", LIST + "unread-count/"),
        ("post", LIST + "read-all/"),
        ("get", LIST + "settings/"),
        ("post", LIST + "push-tokens/"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 401, url
        assert code_of(response) == "not_authenticated"


def test_unread_count_and_mark_one_read(owner):
    mine = NotificationFactory(recipient=owner)
    NotificationFactory(recipient=owner)
    client = client_for(owner)

    assert client.get(LIST + "unread-count/").json() == {"count": 2}
    response = client.post(f"{LIST}{mine.pk}/read/")

    assert response.status_code == 200
    assert response.json()["unread"] is False
    assert client.get(LIST + "unread-count/").json() == {"count": 1}


def test_marking_another_users_notification_is_not_found(owner):
    theirs = NotificationFactory(recipient=UserFactory())

    response = client_for(owner).post(f"{LIST}{theirs.pk}/read/")

    assert response.status_code == 404
    assert code_of(response) == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_many_ignores_other_users_ids(owner):
    mine = [NotificationFactory(recipient=owner) for _ in range(2)]
    theirs = NotificationFactory(recipient=UserFactory())

    response = client_for(owner).post(LIST + "read/", {"ids": [str(n.pk) for n in [*mine, theirs]]})

    assert response.json() == {"updated": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_many_refuses_bad_input(owner):
    response = client_for(owner).post(LIST + "read/", {"ids": ["nope"]})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["errors"][0]["attr"] == "ids.0"


def test_mark_all_read_and_dismiss(owner):
    NotificationFactory.create_batch(3, recipient=owner)
    other = NotificationFactory(recipient=UserFactory())
    client = client_for(owner)

    assert client.post(LIST + "read-all/").json() == {"updated": 3}
    dismissed = Notification.objects.filter(recipient=owner).first()
    assert client.delete(f"{LIST}{dismissed.pk}/").status_code == 204
    assert client.delete(f"{LIST}{other.pk}/").status_code == 404
    assert len(client.get(LIST).json()["results"]) == 2
    other.refresh_from_db()
    assert other.read_at is None


def test_settings_get_and_patch(owner):
    client = client_for(owner)

    before = client.get(LIST + "settings/").json()
    response = client.patch(
        LIST + "settings/",
        {
            "kinds": {"like": {"channels": {"push": False}, "sender_rule": "mutuals"}},
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
            "digest_frequency": "weekly",
        },
    )

    like_before = next(k for k in before["kinds"] if k["kind"] == "like")
    assert like_before["channels"] == {"in_app": True, "email": False, "push": True}
    body = response.json()
    like = next(k for k in body["kinds"] if k["kind"] == "like")
    assert like["channels"] == {"in_app": True, "email": False, "push": False}
    assert like["sender_rule"] == "mutuals"
    assert body["quiet_hours_start"] == "22:00:00"
    assert body["digest_frequency"] == "weekly"
    alert = next(k for k in body["kinds"] if k["kind"] == "security_alert")
    assert alert["channels"] == {"in_app": True, "email": True, "push": True, "sms": True}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kinds": {"security_alert": {"channels": {"email": False}}}}, "critical_kind"),
        ({"kinds": {"nope": {"channels": {"email": False}}}}, "unknown_kind"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_incomplete"),
        ({"digest_frequency": "hourly"}, "invalid_choice"),
    ],
)
def test_settings_bad_input(owner, body, code):
    response = client_for(owner).patch(LIST + "settings/", body)

    assert response.status_code == 400
    assert code_of(response) == code


def test_push_token_register_and_unregister(owner):
    client = client_for(owner)

    created = client.post(LIST + "push-tokens/", {"token": "fcm-1", "platform": "android", "app_version": "3.2"})
    again = client.post(LIST + "push-tokens/", {"token": "fcm-1", "platform": "android", "app_version": "3.3"})

    assert created.status_code == 201
    assert again.json()["app_version"] == "3.3"
    assert PushToken.objects.get().user == owner
    assert client.post(LIST + "push-tokens/unregister/", {"token": "fcm-1"}).status_code == 204
    assert PushToken.objects.count() == 0


def test_push_tokens_of_another_user_cannot_be_unregistered(owner):
    PushTokenFactory(token="theirs")

    response = client_for(owner).post(LIST + "push-tokens/unregister/", {"token": "theirs"})

    assert response.status_code == 404
    assert PushToken.objects.filter(token="theirs").exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"token": "x", "platform": "symbian"}, "invalid_choice"),
        ({"token": "https://push.example/1", "platform": "web"}, "web_push_keys_required"),
    ],
)
def test_push_token_bad_input(owner, body, code):
    response = client_for(owner).post(LIST + "push-tokens/", body)

    assert response.status_code == 400
    assert code_of(response) == code


def test_unsubscribe_with_a_signed_token_and_a_tampered_one(owner):
    token = services.unsubscribe_token(user_id=owner.pk, kind="comment")

    response = APIClient().post(f"{LIST}unsubscribe/?token={token}")
    bad = APIClient().post(f"{LIST}unsubscribe/?token={token[:-2]}xx")

    assert response.status_code == 200
    assert response.json() == {"kind": "comment", "email": False}
    comment = next(k for k in client_for(owner).get(LIST + "settings/").json()["kinds"] if k["kind"] == "comment")
    assert comment["channels"]["email"] is False
    assert bad.status_code == 400
    assert code_of(bad) == "invalid_token"


def test_opening_the_email_link_changes_nothing_until_the_button_is_pressed(owner):
    # Mail scanners open every link in a message; only the page's button unsubscribes.
    token = services.unsubscribe_token(user_id=owner.pk, kind="comment")
    browser = APIClient()

    page = browser.get(f"{LIST}unsubscribe/?token={token}")
    before = next(k for k in client_for(owner).get(LIST + "settings/").json()["kinds"] if k["kind"] == "comment")
    done = browser.post(f"{LIST}unsubscribe/", {"token": token, "from_page": "1"}, format="multipart")
    after = next(k for k in client_for(owner).get(LIST + "settings/").json()["kinds"] if k["kind"] == "comment")

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "Stop these emails?" in page.content.decode()
    assert before["channels"]["email"] is True
    assert done.status_code == 200
    assert "Unsubscribed" in done.content.decode()
    assert after["channels"]["email"] is False


def test_a_bad_email_link_shows_a_page_saying_so():
    page = APIClient().get(f"{LIST}unsubscribe/?token=forged")

    assert page.status_code == 400
    assert "This link does not work" in page.content.decode()
