"""The stream admin (moderators; the key never shown; end with a reason), the studio streams page,
the demo streams, and the account purge and export."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from streaming.models import LiveStream
from tests.clients import verified_client
from tests.factories import UserFactory, with_role
from tests.streaming.factories import LiveStreamFactory, creator_factory, stream_root

pytestmark = pytest.mark.django_db
ADMIN = "/admin/streaming/livestream/"
stream_root = stream_root
S = LiveStream.Status


@pytest.fixture
def moderator():
    return with_role(UserFactory(), "moderator")


def test_roles_grant_stream_permissions(moderator):
    admin = with_role(UserFactory(), "admin")
    creator = creator_factory()
    user = UserFactory()

    for staff in (moderator, admin):
        assert staff.has_perm("streaming.view_livestream")
        assert staff.has_perm("streaming.moderate_streams")
    assert creator.has_perm("streaming.add_livestream")
    assert not creator.has_perm("streaming.moderate_streams")
    assert not user.has_perm("streaming.add_livestream")


def test_moderators_list_filter_and_search_without_keys(moderator):
    live = LiveStreamFactory(status=S.LIVE, title="Speedrun night")
    other = LiveStreamFactory(title="Cooking")
    client = verified_client(moderator)

    listing = client.get(ADMIN, {"status__exact": "live"}).content.decode()
    search = client.get(ADMIN, {"q": live.owner.handle}).content.decode()
    page = client.get(f"{ADMIN}{live.pk}/change/").content.decode()

    assert "Speedrun night" in listing
    assert "Cooking" not in listing
    assert "Speedrun night" in search
    assert "Cooking" not in search
    assert "Speedrun night" in page
    for html in (listing, search, page):
        assert live.stream_key not in html
        assert other.stream_key not in html
    assert client.get(ADMIN, {"provider__exact": "ivs"}).status_code == 200


def test_a_moderator_ends_a_live_stream_with_a_reason(moderator):
    stream = LiveStreamFactory(status=S.LIVE, started_at=timezone.now())
    client = verified_client(moderator)
    data = {"action": "end_streams", "_selected_action": [str(stream.pk)]}

    form = client.post(ADMIN, data)
    done = client.post(ADMIN, {**data, "apply": "1", "reason": "Copyrighted broadcast"})

    assert form.status_code == 200
    assert "reason" in form.content.decode()
    assert done.status_code == 302
    stream.refresh_from_db()
    assert (stream.status, stream.ended_by, stream.ended_reason) == (S.ENDED, moderator, "Copyrighted broadcast")
    assert Notification.objects.get(recipient=stream.owner, kind="stream_ended").data["reason"] == (
        "Copyrighted broadcast"
    )


def test_a_plain_staff_member_cannot_see_streams():
    finance = with_role(UserFactory(), "finance")

    assert verified_client(finance).get(ADMIN).status_code == 403


def test_studio_creates_a_stream_and_shows_key_rotate_and_end():
    creator = creator_factory()
    client = verified_client(creator)

    created = client.post(
        "/studio/streams/", {"title": "From the studio", "visibility": "public", "slow_mode_seconds": 0}
    )

    stream = LiveStream.objects.get(owner=creator)
    assert created.status_code == 302
    assert created["Location"] == f"/studio/streams/{stream.pk}/"
    page = client.get(f"/studio/streams/{stream.pk}/").content.decode()
    assert stream.stream_key in page
    assert "rtmp://127.0.0.1:1935/live/" in page
    assert f"/studio/streams/{stream.pk}/control/" in page
    assert "Copy key" in page
    old = stream.stream_key
    client.post(f"/studio/streams/{stream.pk}/rotate-key/")
    stream.refresh_from_db()
    assert stream.stream_key != old
    client.post(f"/studio/streams/{stream.pk}/cancel/")
    stream.refresh_from_db()
    assert stream.status == S.ENDED
    listing = client.get("/studio/streams/").content.decode()
    assert "From the studio" in listing
    assert 'href="/studio/streams/"' in listing  # the studio navigation


def test_studio_pages_are_the_owners_only():
    stream = LiveStreamFactory()
    other = creator_factory()
    client = verified_client(other)

    assert client.get(f"/studio/streams/{stream.pk}/").status_code == 404
    assert client.post(f"/studio/streams/{stream.pk}/rotate-key/").status_code == 404
    assert client.get("/studio/streams/").status_code == 200
    assert stream.stream_key not in client.get("/studio/streams/").content.decode()


def test_studio_refuses_non_creators():
    user = with_role(UserFactory(), "user")
    client = verified_client(user)

    response = client.post("/studio/streams/", {"title": "Nope", "visibility": "public", "slow_mode_seconds": 0})

    assert response.status_code == 200
    assert not LiveStream.objects.exists()


def test_seed_demo_adds_a_scheduled_and_an_ended_stream(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    streams = {stream.title: stream for stream in LiveStream.objects.all()}
    assert set(streams) == {"Demo: building a live chat, part 2", "Demo: last night's stream"}
    assert streams["Demo: building a live chat, part 2"].status == S.SCHEDULED
    ended = streams["Demo: last night's stream"]
    assert ended.status == S.ENDED
    assert (ended.peak_viewers, ended.unique_viewers) == (148, 311)
    assert ended.ended_at > ended.started_at


def test_purge_and_export(stream_root, django_capture_on_commit_callbacks):
    from accounts import deletion, export

    stream = LiveStreamFactory(status=S.LIVE, started_at=timezone.now())
    user = stream.owner
    files = stream_root / str(stream.pk)
    files.mkdir(parents=True)
    (files / "index.m3u8").write_text("#EXTM3U\n")

    sections = {name: builder(user) for name, builder in export.sections().items()}
    assert sections["live_streams"][0]["id"] == stream.pk
    assert "stream_key" not in sections["live_streams"][0]
    steps = [step for name, step in deletion.purge_steps_for(user) if name == "streaming"]
    assert [step.description for step in steps] == ["end and delete 1 live streams (and their IVS channels)"]
    with django_capture_on_commit_callbacks(execute=True):
        steps[0].run()
    row = LiveStream.all_objects.get(pk=stream.pk)
    assert row.status == S.ENDED
    assert row.deleted_at is not None
    assert not files.exists()
