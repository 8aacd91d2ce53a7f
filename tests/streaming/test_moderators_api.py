"""/api/v1/streams/moderators/: the streamer appoints and removes their chat moderators."""

import pytest
from django.urls import reverse

from streaming.models import ChannelModerator, ChatModerationLog
from tests.factories import UserFactory
from tests.streaming.helpers import verified_user

URL = "/api/v1/streams/moderators/"


@pytest.fixture
def streamer(db):
    return verified_user()


def test_anonymous_and_unverified_are_refused(api_client, db):
    assert api_client.get(URL).status_code in (401, 403)
    api_client.force_authenticate(UserFactory())
    assert api_client.get(URL).json() == []
    response = api_client.post(URL, {"handle": "someone"}, format="json")
    assert (response.status_code, response.json()["errors"][0]["code"]) == (403, "email_unverified")


def test_add_by_handle_or_id_list_and_remove(api_client, streamer):
    mod_a, mod_b = verified_user(handle="mod_a"), verified_user()
    api_client.force_authenticate(streamer)

    response = api_client.post(URL, {"handle": "@MOD_A"}, format="json")
    assert response.status_code == 201
    assert response.json()["moderator"]["handle"] == "mod_a"
    assert api_client.post(URL, {"user_id": str(mod_b.pk)}, format="json").status_code == 201
    duplicate = api_client.post(URL, {"user_id": str(mod_b.pk)}, format="json")
    assert (duplicate.status_code, duplicate.json()["errors"][0]["code"]) == (409, "already_moderator")

    listed = api_client.get(URL).json()
    assert [row["moderator"]["id"] for row in listed] == [str(mod_b.pk), str(mod_a.pk)]

    assert api_client.delete(reverse("v1:stream-moderator-detail", args=[mod_a.pk])).status_code == 204
    assert api_client.delete(reverse("v1:stream-moderator-detail", args=[mod_a.pk])).status_code == 404
    assert list(ChannelModerator.objects.values_list("moderator_id", flat=True)) == [mod_b.pk]
    actions = list(ChatModerationLog.objects.order_by("id").values_list("action", "target_user_id"))
    assert actions == [("moderator_add", mod_a.pk), ("moderator_add", mod_b.pk), ("moderator_remove", mod_a.pk)]


def test_bad_input(api_client, streamer):
    api_client.force_authenticate(streamer)
    assert api_client.post(URL, {}, format="json").status_code == 400
    assert api_client.post(URL, {"handle": "nobody_at_all"}, format="json").status_code == 404
    assert api_client.post(URL, {"user_id": str(streamer.pk)}, format="json").json()["errors"][0]["code"] == "invalid"
    assert api_client.post(URL, {"user_id": "nope"}, format="json").status_code == 400


def test_another_streamers_moderators_are_theirs_only(api_client, streamer):
    other, mod = verified_user(), verified_user()
    ChannelModerator.objects.create(streamer=other, moderator=mod)
    api_client.force_authenticate(streamer)
    assert api_client.get(URL).json() == []
    assert api_client.delete(reverse("v1:stream-moderator-detail", args=[mod.pk])).status_code == 404
    assert ChannelModerator.objects.count() == 1


def test_list_query_count_does_not_grow(api_client, streamer, django_assert_max_num_queries):
    api_client.force_authenticate(streamer)
    for _ in range(2):
        ChannelModerator.objects.create(streamer=streamer, moderator=verified_user())
    with django_assert_max_num_queries(3):
        assert len(api_client.get(URL).json()) == 2
    for _ in range(8):
        ChannelModerator.objects.create(streamer=streamer, moderator=verified_user())
    with django_assert_max_num_queries(3):
        assert len(api_client.get(URL).json()) == 10
