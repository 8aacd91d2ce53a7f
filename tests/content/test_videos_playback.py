"""Who sees and plays what: visibility, schedule, subscribers, geo rules, range requests, editing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from content.models import Video
from tests.billing.factories import tier_of
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory, VideoFactory, with_files

pytestmark = pytest.mark.django_db
video_root = video_factories.video_root

VIDEOS = "/api/v1/videos/"


def error(response):
    return response.json()["errors"][0]


@pytest.fixture
def owner():
    return VerifiedUserFactory(handle="owner")


@pytest.fixture
def other():
    return VerifiedUserFactory(handle="other")


def as_(client, user):
    client.force_authenticate(user)
    return client


def statuses(api_client, video, *, owner, other, path=""):
    """Status codes for (owner, other user, anonymous)."""
    url = f"{VIDEOS}{video.pk}/{path}"
    return (
        as_(api_client, owner).get(url).status_code,
        as_(api_client, other).get(url).status_code,
        as_(api_client, None).get(url).status_code,
    )


@pytest.mark.parametrize(
    ("visibility", "publish_in", "expected"),
    [
        (Video.Visibility.PUBLIC, None, (200, 200, 200)),
        (Video.Visibility.UNLISTED, None, (200, 200, 200)),
        (Video.Visibility.PRIVATE, None, (200, 404, 404)),
        (Video.Visibility.SUBSCRIBERS, None, (200, 403, 403)),
        (Video.Visibility.SCHEDULED, dt.timedelta(hours=1), (200, 404, 404)),
        (Video.Visibility.SCHEDULED, -dt.timedelta(hours=1), (200, 200, 200)),
    ],
)
def test_visibility_for_owner_other_user_and_anonymous(
    api_client, owner, other, video_root, visibility, publish_in, expected
):
    publish_at = timezone.now() + publish_in if publish_in else None
    video = with_files(VideoFactory(owner=owner, visibility=visibility, publish_at=publish_at))

    assert statuses(api_client, video, owner=owner, other=other) == expected
    assert statuses(api_client, video, owner=owner, other=other, path="media/master.m3u8") == expected


def test_members_only_says_why_and_which_tier(api_client, owner, other):
    video = VideoFactory(owner=owner, visibility=Video.Visibility.SUBSCRIBERS, minimum_tier=2)
    tier_of(owner, position=1)
    gold = tier_of(owner, position=2, name="Gold")

    response = as_(api_client, other).get(f"{VIDEOS}{video.pk}/")

    assert response.status_code == 403
    assert error(response)["code"] == "members_only"
    assert response.json()["extra"] == {
        "minimum_tier": 2,
        "tier_needed": {"id": str(gold.pk), "name": "Gold", "position": 2},
    }


def test_a_video_still_uploading_is_the_owners_only(api_client, owner, other):
    video = VideoFactory(owner=owner, status=Video.Status.UPLOADING, master_playlist="", poster="", sprite="")

    assert statuses(api_client, video, owner=owner, other=other) == (200, 404, 404)
    body = as_(api_client, owner).get(f"{VIDEOS}{video.pk}/").json()
    assert body["manifests"] == {"hls": None, "dash": None}
    assert (body["poster_url"], body["sprite"]) == (None, None)


def test_a_video_is_playable_once_its_lowest_rendition_is_ready(api_client, owner, other, video_root):
    video = with_files(VideoFactory(owner=owner, status=Video.Status.PROCESSING))

    assert statuses(api_client, video, owner=owner, other=other, path="media/master.m3u8") == (200, 200, 200)


@pytest.mark.parametrize(
    ("allow", "deny", "country", "expected"),
    [
        (["FR", "BE"], [], "FR", 200),
        (["FR", "BE"], [], "DE", 451),
        (["FR", "BE"], [], None, 451),
        ([], ["DE"], "DE", 451),
        ([], ["DE"], "FR", 200),
        ([], ["DE"], None, 200),
    ],
)
def test_geo_rules_use_the_viewer_country_header(api_client, owner, other, video_root, allow, deny, country, expected):
    video = with_files(VideoFactory(owner=owner, geo_allow=allow, geo_deny=deny))
    headers = {"HTTP_CLOUDFRONT_VIEWER_COUNTRY": country} if country else {}

    for client in (as_(api_client, other), as_(api_client, None)):
        detail = client.get(f"{VIDEOS}{video.pk}/", **headers)
        media = client.get(f"{VIDEOS}{video.pk}/media/master.m3u8", **headers)
        assert (detail.status_code, media.status_code) == (expected, expected)
        if expected == 451:
            assert error(detail)["code"] == "geo_restricted"
    # The owner is never geo-restricted.
    assert as_(api_client, owner).get(f"{VIDEOS}{video.pk}/", **headers).status_code == 200


def test_the_country_header_is_configurable(api_client, other, settings):
    settings.VIEWER_COUNTRY_HEADER = "X-Country"
    video = VideoFactory(geo_allow=["FR"])
    client = as_(api_client, other)

    assert client.get(f"{VIDEOS}{video.pk}/", HTTP_X_COUNTRY="FR").status_code == 200
    assert client.get(f"{VIDEOS}{video.pk}/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="FR").status_code == 451


def test_media_files_are_served_with_range_requests(api_client, video_root):
    video = with_files(VideoFactory())
    url = f"{VIDEOS}{video.pk}/media/240p_0000.ts"
    content = bytes(range(256)) * 4

    whole = api_client.get(url)
    part = api_client.get(url, HTTP_RANGE="bytes=10-19")
    tail = api_client.get(url, HTTP_RANGE="bytes=-4")
    open_ended = api_client.get(url, HTTP_RANGE="bytes=1020-")
    beyond = api_client.get(url, HTTP_RANGE="bytes=5000-")

    assert (whole.status_code, whole["Accept-Ranges"], whole["Content-Type"]) == (200, "bytes", "video/mp2t")
    assert b"".join(whole.streaming_content) == content
    assert (part.status_code, part["Content-Range"], part["Content-Length"]) == (206, "bytes 10-19/1024", "10")
    assert b"".join(part.streaming_content) == content[10:20]
    assert b"".join(tail.streaming_content) == content[-4:]
    assert tail["Content-Range"] == "bytes 1020-1023/1024"
    assert b"".join(open_ended.streaming_content) == content[1020:]
    assert (beyond.status_code, beyond["Content-Range"]) == (416, "bytes */1024")


def test_media_paths_cannot_leave_the_videos_directory(api_client, video_root):
    video = with_files(VideoFactory())
    (video_root / str(video.pk) / "source").write_bytes(b"original")

    assert api_client.get(f"{VIDEOS}{video.pk}/media/../source").status_code == 404
    assert api_client.get(f"{VIDEOS}{video.pk}/media/%2e%2e/source").status_code == 404
    assert api_client.get(f"{VIDEOS}{video.pk}/media/missing.ts").status_code == 404


def test_the_public_list_holds_only_published_playable_visible_videos(api_client, owner):
    listed = VideoFactory(owner=owner, title="Listed")
    old_scheduled = VideoFactory(
        owner=owner, visibility=Video.Visibility.SCHEDULED, publish_at=timezone.now() - dt.timedelta(minutes=1)
    )
    VideoFactory(owner=owner, visibility=Video.Visibility.SCHEDULED, publish_at=timezone.now() + dt.timedelta(days=1))
    VideoFactory(owner=owner, visibility=Video.Visibility.UNLISTED)
    VideoFactory(owner=owner, visibility=Video.Visibility.PRIVATE)
    VideoFactory(owner=owner, visibility=Video.Visibility.SUBSCRIBERS)
    VideoFactory(owner=owner, moderation_status=Video.Moderation.LIMITED)
    VideoFactory(owner=owner, status=Video.Status.UPLOADING, master_playlist="")
    VideoFactory(owner=owner).soft_delete()

    response = api_client.get(VIDEOS)

    assert response.status_code == 200
    assert [v["id"] for v in response.json()["results"]] == [str(old_scheduled.pk), str(listed.pk)]


def test_list_queries_do_not_grow_with_the_page(api_client, django_assert_max_num_queries):
    VideoFactory.create_batch(12)

    with django_assert_max_num_queries(1):
        assert len(api_client.get(f"{VIDEOS}?page_size=3").json()["results"]) == 3
    with django_assert_max_num_queries(1):
        assert len(api_client.get(f"{VIDEOS}?page_size=12").json()["results"]) == 12


def test_my_videos_list_shows_every_state_with_progress(api_client, owner, other, django_assert_max_num_queries):
    VideoFactory.create_batch(2, owner=owner)
    VideoFactory(owner=owner, status=Video.Status.UPLOADING, master_playlist="")
    VideoFactory(owner=other)
    client = as_(api_client, owner)

    with django_assert_max_num_queries(2):
        small = client.get(f"{VIDEOS}mine/?page_size=1").json()["results"]
    with django_assert_max_num_queries(2):
        every = client.get(f"{VIDEOS}mine/?page_size=10").json()["results"]

    assert len(small) == 1
    assert [v["status"] for v in every] == ["uploading", "ready", "ready"]
    assert every[1]["renditions"] == [
        {"name": "240p", "width": 320, "height": 180, "status": "ready", "progress": 100, "attempts": 0,
         "error_code": "", "error_message": ""}
    ]  # fmt: skip
    assert as_(api_client, None).get(f"{VIDEOS}mine/").status_code == 401


def test_the_owner_edits_metadata_access_and_monetization(api_client, owner, other):
    video = VideoFactory(owner=owner, duration=60.0)
    url = f"{VIDEOS}{video.pk}/"
    changes = {
        "title": "New title",
        "tags": ["Cats", "cats", "#Dogs"],
        "visibility": "scheduled",
        "publish_at": "2030-01-01T10:00:00Z",
        "geo_deny": ["DE"],
        "monetized": True,
        "midroll_offsets": [20, 40],
        "minimum_tier": 2,
    }

    assert as_(api_client, None).patch(url, changes, format="json").status_code == 401
    assert as_(api_client, other).patch(url, changes, format="json").status_code == 404
    response = as_(api_client, owner).patch(url, changes, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["tags"], body["visibility"]) == ("New title", ["cats", "dogs"], "scheduled")
    assert body["publish_at"] == "2030-01-01T10:00:00Z"
    assert body["geo_deny"] == ["DE"]
    assert body["monetization"] == {"monetized": True, "midroll_offsets": [20, 40], "minimum_tier": 2}


@pytest.mark.parametrize(
    ("changes", "code", "attr"),
    [
        ({"geo_allow": ["FR"], "geo_deny": ["DE"]}, "geo_conflict", None),
        ({"visibility": "scheduled"}, "publish_at_required", None),
        ({"midroll_offsets": [90]}, "midroll_out_of_range", None),
        ({"geo_allow": ["fr"]}, "invalid", "geo_allow.0"),
        ({"visibility": "everyone"}, "invalid_choice", "visibility"),
    ],
)
def test_bad_edits_are_refused(api_client, owner, changes, code, attr):
    video = VideoFactory(owner=owner, duration=60.0)

    response = as_(api_client, owner).patch(f"{VIDEOS}{video.pk}/", changes, format="json")

    assert response.status_code == 400
    assert (error(response)["code"], error(response)["attr"]) == (code, attr)


def test_the_owner_deletes_a_video_and_it_is_gone_for_everyone(api_client, owner, other, video_root):
    video = with_files(VideoFactory(owner=owner))

    assert as_(api_client, other).delete(f"{VIDEOS}{video.pk}/").status_code == 404
    assert as_(api_client, owner).delete(f"{VIDEOS}{video.pk}/").status_code == 204
    assert statuses(api_client, video, owner=owner, other=other) == (404, 404, 404)
    assert statuses(api_client, video, owner=owner, other=other, path="media/master.m3u8") == (404, 404, 404)
    assert Video.all_objects.get(pk=video.pk).deleted_at is not None
