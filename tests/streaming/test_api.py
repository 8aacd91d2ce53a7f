"""The streams API for the owner, another user, an anonymous client and a moderator; the stream
key only in the owner's view; bad input; listings with pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from social.models import Follow
from streaming.models import LiveStream, StreamReminder
from tests.billing.factories import member_of, tier_of
from tests.clients import verified_client
from tests.factories import UserFactory, with_role
from tests.streaming.factories import LiveStreamFactory, VerifiedUserFactory, creator_factory, stream_root

pytestmark = pytest.mark.django_db
stream_root = stream_root
STREAMS = "/api/v1/streams/"
S = LiveStream.Status
OWNER_ONLY = {"stream_key", "ingest_url", "provider", "record", "blocked_words", "ended_reason"}


def detail(stream) -> str:
    return f"{STREAMS}{stream.pk}/"


@pytest.fixture
def creator():
    return creator_factory()


@pytest.fixture
def owner_client(creator):
    return verified_client(creator, api=True)


@pytest.fixture
def other():
    return VerifiedUserFactory()


@pytest.fixture
def moderator():
    return with_role(VerifiedUserFactory(), "moderator")


# --- create ------------------------------------------------------------------------------------


def test_a_creator_creates_a_stream_now_and_sees_its_key_and_ingest_url(owner_client, creator):
    response = owner_client.post(
        STREAMS,
        {"title": "Late night build", "tags": ["Django", "#live"], "visibility": "public", "slow_mode_seconds": 5},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    stream = LiveStream.objects.get(pk=body["id"])
    assert body["status"] == "scheduled"
    assert body["scheduled_at"] is None
    assert body["stream_key"] == stream.stream_key
    assert stream.stream_key.startswith("live_")
    assert len(stream.stream_key) > 40
    assert body["ingest_url"] == "rtmp://127.0.0.1:1935/live/"
    assert body["tags"] == ["django", "live"]
    assert body["chat"]["slow_mode_seconds"] == 5
    assert body["playback_url"] is None
    assert stream.owner == creator
    assert stream.provider == "local"


def test_a_creator_schedules_a_stream(owner_client):
    at = timezone.now() + dt.timedelta(days=1)

    response = owner_client.post(STREAMS, {"title": "Tomorrow", "scheduled_at": at.isoformat()}, format="json")

    assert response.status_code == 201
    assert LiveStream.objects.get(pk=response.json()["id"]).scheduled_at == at


def test_a_past_time_is_refused(owner_client):
    at = timezone.now() - dt.timedelta(minutes=1)

    response = owner_client.post(STREAMS, {"title": "Yesterday", "scheduled_at": at.isoformat()}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "scheduled_in_past"


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({}, "title"),
        ({"title": "x", "visibility": "friends"}, "visibility"),
        ({"title": "x", "slow_mode_seconds": -1}, "slow_mode_seconds"),
    ],
)
def test_bad_input_is_400(owner_client, payload, attr):
    response = owner_client.post(STREAMS, payload, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr


def test_a_user_without_the_creator_role_cannot_stream(other):
    response = verified_client(other, api=True).post(STREAMS, {"title": "Hi"}, format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "creators_only"
    assert not LiveStream.objects.exists()


def test_anonymous_cannot_create(api_client):
    assert api_client.post(STREAMS, {"title": "Hi"}, format="json").status_code in {401, 403}


def test_an_unverified_creator_cannot_create():
    user = with_role(UserFactory(), "creator")

    response = verified_client(user, api=True).post(STREAMS, {"title": "Hi"}, format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "email_unverified"


# --- detail and key visibility -------------------------------------------------------------------


def test_the_owner_sees_the_key_others_do_not(owner_client, creator, other, moderator, api_client):
    stream = LiveStreamFactory(owner=creator)

    owner_view = owner_client.get(detail(stream)).json()
    other_view = verified_client(other, api=True).get(detail(stream)).json()
    moderator_view = verified_client(moderator, api=True).get(detail(stream)).json()
    anonymous_view = api_client.get(detail(stream)).json()

    assert owner_view["stream_key"] == stream.stream_key
    for view in (other_view, moderator_view, anonymous_view):
        assert OWNER_ONLY.isdisjoint(view)
        assert stream.stream_key not in str(view)
        assert view["id"] == str(stream.pk)


def test_live_detail_has_a_playback_url_and_summary(api_client):
    stream = LiveStreamFactory(status=S.LIVE, started_at=timezone.now(), peak_viewers=7)

    body = api_client.get(detail(stream)).json()

    assert body["playback_url"] == f"http://testserver/api/v1/streams/{stream.pk}/media/index.m3u8"
    assert body["summary"]["peak_viewers"] == 7


def test_followers_only_stream(api_client, other):
    stream = LiveStreamFactory(visibility="followers")

    assert api_client.get(detail(stream)).json()["errors"][0]["code"] == "followers_only"
    assert verified_client(other, api=True).get(detail(stream)).status_code == 403
    Follow.objects.create(follower=other, followee=stream.owner)
    assert verified_client(other, api=True).get(detail(stream)).status_code == 200


def test_subscribers_only_stream_is_for_members_owner_and_moderators(
    api_client, other, owner_client, creator, moderator
):
    stream = LiveStreamFactory(owner=creator, visibility="subscribers")
    Follow.objects.create(follower=other, followee=creator)
    tier = tier_of(creator, position=1, name="Fans")

    response = verified_client(other, api=True).get(detail(stream))

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "members_only"
    assert response.json()["extra"]["tier_needed"] == {"id": str(tier.pk), "name": "Fans", "position": 1}
    member_of(tier, other)
    assert verified_client(other, api=True).get(detail(stream)).status_code == 200
    assert api_client.get(detail(stream)).status_code == 403
    assert owner_client.get(detail(stream)).status_code == 200
    assert verified_client(moderator, api=True).get(detail(stream)).status_code == 200


def test_a_deleted_or_unknown_stream_is_404(api_client):
    stream = LiveStreamFactory()
    stream.soft_delete()

    assert api_client.get(detail(stream)).status_code == 404
    assert api_client.get(f"{STREAMS}00000000-0000-0000-0000-000000000000/").status_code == 404


# --- owner actions -----------------------------------------------------------------------------


def test_the_owner_updates_settings(owner_client, creator):
    stream = LiveStreamFactory(owner=creator)

    response = owner_client.patch(
        detail(stream), {"title": "New title", "emoji_only": True, "blocked_words": ["Spoiler"]}, format="json"
    )

    assert response.status_code == 200
    stream.refresh_from_db()
    assert (stream.title, stream.emoji_only, stream.blocked_words) == ("New title", True, ["spoiler"])


def test_others_cannot_change_end_cancel_rotate_or_delete(other, moderator, api_client):
    stream = LiveStreamFactory(status=S.LIVE)
    key = stream.stream_key
    client = verified_client(other, api=True)

    assert client.patch(detail(stream), {"title": "Mine"}, format="json").status_code == 404
    assert client.post(f"{detail(stream)}end/").status_code == 404
    assert client.post(f"{detail(stream)}cancel/").status_code == 404
    assert client.post(f"{detail(stream)}rotate-key/").status_code == 404
    assert client.delete(detail(stream)).status_code == 404
    assert verified_client(moderator, api=True).post(f"{detail(stream)}rotate-key/").status_code == 404
    assert api_client.post(f"{detail(stream)}end/").status_code in {401, 403}
    stream.refresh_from_db()
    assert (stream.status, stream.title, stream.stream_key) == (S.LIVE, stream.title, key)


def test_an_ended_stream_cannot_be_changed(owner_client, creator):
    stream = LiveStreamFactory(owner=creator, status=S.ENDED)

    response = owner_client.patch(detail(stream), {"title": "Again"}, format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "stream_ended"


def test_time_and_recording_only_before_the_start(owner_client, creator):
    stream = LiveStreamFactory(owner=creator, status=S.LIVE)

    response = owner_client.patch(detail(stream), {"record": True}, format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "stream_started"


def test_end_and_cancel_through_the_api(owner_client, creator):
    live = LiveStreamFactory(owner=creator, status=S.LIVE, started_at=timezone.now())
    scheduled = LiveStreamFactory(owner=creator)

    assert owner_client.post(f"{detail(live)}end/").json()["status"] == "ended"
    assert owner_client.post(f"{detail(scheduled)}cancel/").json()["status"] == "ended"
    again = owner_client.post(f"{detail(live)}end/")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "invalid_transition"


def test_cancel_of_a_live_stream_is_409(owner_client, creator):
    live = LiveStreamFactory(owner=creator, status=S.LIVE)

    response = owner_client.post(f"{detail(live)}cancel/")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_transition"


def test_rotating_the_key_makes_the_old_one_useless_at_once(owner_client, creator):
    from core.errors import PermissionDeniedError
    from streaming.services.ingest import ingest_publish_start

    stream = LiveStreamFactory(owner=creator)
    old = stream.stream_key

    response = owner_client.post(f"{detail(stream)}rotate-key/")

    assert response.status_code == 200
    new = response.json()["stream_key"]
    assert new != old
    assert new.startswith("live_")
    with pytest.raises(PermissionDeniedError):
        ingest_publish_start(stream_key=old)
    assert ingest_publish_start(stream_key=new).pk == stream.pk


def test_delete_ends_a_live_stream_and_hides_it(owner_client, creator):
    stream = LiveStreamFactory(owner=creator, status=S.LIVE, started_at=timezone.now())

    assert owner_client.delete(detail(stream)).status_code == 204

    row = LiveStream.all_objects.get(pk=stream.pk)
    assert row.status == S.ENDED
    assert row.deleted_at is not None
    assert owner_client.get(detail(stream)).status_code == 404


def test_a_moderator_deletes_any_stream(moderator):
    stream = LiveStreamFactory()

    assert verified_client(moderator, api=True).delete(detail(stream)).status_code == 204
    assert LiveStream.all_objects.get(pk=stream.pk).deleted_at is not None


# --- reminders ---------------------------------------------------------------------------------


def test_reminders_on_and_off(other):
    stream = LiveStreamFactory(scheduled_at=timezone.now() + dt.timedelta(hours=2))
    client = verified_client(other, api=True)

    assert client.post(f"{detail(stream)}reminder/").json() == {"reminder": True}
    assert client.post(f"{detail(stream)}reminder/").status_code == 200
    assert StreamReminder.objects.filter(stream=stream, user=other).count() == 1
    assert client.delete(f"{detail(stream)}reminder/").json() == {"reminder": False}
    assert not StreamReminder.objects.exists()


def test_reminder_of_a_live_stream_is_409(other):
    stream = LiveStreamFactory(status=S.LIVE)

    response = verified_client(other, api=True).post(f"{detail(stream)}reminder/")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "stream_not_scheduled"


# --- listings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [3, 10])
def test_live_list_public_only_with_pinned_queries(api_client, page_size, django_assert_max_num_queries):
    LiveStreamFactory.create_batch(12, status=S.LIVE)
    LiveStreamFactory(status=S.LIVE, visibility="unlisted")
    LiveStreamFactory(status=S.LIVE, visibility="followers")
    LiveStreamFactory()

    with django_assert_max_num_queries(1):
        response = api_client.get(STREAMS, {"page_size": page_size})

    results = response.json()["results"]
    assert len(results) == page_size
    assert {item["status"] for item in results} == {"live"}
    assert {item["visibility"] for item in results} == {"public"}
    assert all("stream_key" not in item for item in results)


def test_upcoming_list(api_client):
    soon = LiveStreamFactory(scheduled_at=timezone.now() + dt.timedelta(hours=1))
    LiveStreamFactory()  # "now" stream: no time, not upcoming
    LiveStreamFactory(status=S.LIVE)

    response = api_client.get(STREAMS, {"status": "upcoming"})

    assert [item["id"] for item in response.json()["results"]] == [str(soon.pk)]
    assert api_client.get(STREAMS, {"status": "gone"}).json()["errors"][0]["code"] == "invalid_status"


def test_a_users_streams_as_others_see_them(api_client, other, creator, owner_client):
    public = LiveStreamFactory(owner=creator)
    followers = LiveStreamFactory(owner=creator, visibility="followers")
    unlisted = LiveStreamFactory(owner=creator, visibility="unlisted")
    Follow.objects.create(follower=other, followee=creator)

    def ids(client):
        return {item["id"] for item in client.get(STREAMS, {"owner": str(creator.pk)}).json()["results"]}

    assert ids(api_client) == {str(public.pk)}
    assert ids(verified_client(other, api=True)) == {str(public.pk), str(followers.pk)}
    assert ids(owner_client) == {str(public.pk), str(followers.pk), str(unlisted.pk)}
    assert api_client.get(STREAMS, {"owner": "nope"}).json()["errors"][0]["code"] == "invalid_owner"


@pytest.mark.parametrize("page_size", [2, 5])
def test_mine_lists_every_own_stream_with_keys(owner_client, creator, page_size, django_assert_max_num_queries):
    LiveStreamFactory.create_batch(6, owner=creator)
    LiveStreamFactory()

    with django_assert_max_num_queries(5):
        response = owner_client.get(f"{STREAMS}mine/", {"page_size": page_size})

    results = response.json()["results"]
    assert len(results) == page_size
    assert all(item["stream_key"] for item in results)


def test_mine_needs_a_sign_in(api_client):
    assert api_client.get(f"{STREAMS}mine/").status_code in {401, 403}


# --- live HLS ----------------------------------------------------------------------------------


def test_live_hls_is_served_after_the_checks_with_ranges(api_client, stream_root, other):
    stream = LiveStreamFactory(status=S.LIVE, visibility="followers")
    directory = stream_root / str(stream.pk)
    directory.mkdir(parents=True)
    (directory / "index.m3u8").write_text("#EXTM3U\n#EXTINF:2.0,\nseg_000000.ts\n")
    (directory / "seg_000000.ts").write_bytes(b"\x47" * 1000)
    client = verified_client(other, api=True)
    url = f"{detail(stream)}media/"

    assert client.get(f"{url}index.m3u8").status_code == 403
    Follow.objects.create(follower=other, followee=stream.owner)
    playlist = client.get(f"{url}index.m3u8")
    segment = client.get(f"{url}seg_000000.ts", HTTP_RANGE="bytes=0-99")

    assert playlist.status_code == 200
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    assert playlist["Cache-Control"] == "no-store"
    assert b"".join(playlist.streaming_content).startswith(b"#EXTM3U")
    assert segment.status_code == 206
    assert segment["Content-Range"] == "bytes 0-99/1000"
    assert client.get(f"{url}../../etc/passwd").status_code == 404
    assert client.get(f"{url}missing.ts").status_code == 404


@pytest.mark.parametrize("page_size", [2, 6])
def test_upcoming_and_owner_lists_have_pinned_queries(api_client, creator, page_size, django_assert_max_num_queries):
    for hours in range(1, 9):
        LiveStreamFactory(owner=creator, scheduled_at=timezone.now() + dt.timedelta(hours=hours))

    with django_assert_max_num_queries(1):
        upcoming = api_client.get(STREAMS, {"status": "upcoming", "page_size": page_size})
    with django_assert_max_num_queries(1):
        owned = api_client.get(STREAMS, {"owner": str(creator.pk), "page_size": page_size})

    assert len(upcoming.json()["results"]) == page_size
    assert len(owned.json()["results"]) == page_size
