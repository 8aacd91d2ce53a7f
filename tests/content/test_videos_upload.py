"""Uploading a video in local mode: start, chunks at offsets, resume, limits, probing, idempotency."""

from __future__ import annotations

import io

import pytest

from content.models import Rendition, Upload, UploadPart, Video
from content.services import videos as video_services
from content.video_files import output_dir, source_path
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory, ffmpeg_reads
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
clip = video_factories.clip
video_root = video_factories.video_root

VIDEOS = "/api/v1/videos/"


def error(response):
    return response.json()["errors"][0]


@pytest.fixture
def creator():
    return VerifiedUserFactory(handle="ana")


@pytest.fixture
def client(api_client, creator):
    api_client.force_authenticate(creator)
    return api_client


def start(client, *, size, key=None, **fields):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"title": "My trip", "description": "Mountains", "tags": ["Travel", "#alps"], "size": size, **fields}
    return client.post(VIDEOS, body, format="json", **headers)


def patch_chunk(client, upload_url, *, offset, data):
    return client.generic(
        "PATCH", upload_url, data, content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET=str(offset)
    )


def test_starting_an_upload_returns_a_draft_and_its_upload_target(client, video_root):
    response = start(client, size=1234, visibility="unlisted")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["visibility"] == "unlisted"
    assert body["tags"] == ["travel", "alps"]
    assert body["manifests"] == {"hls": None, "dash": None}
    assert body["upload"]["offset"] == 0
    assert body["upload"]["size"] == 1234
    assert body["upload"]["status"] == "open"
    assert body["upload"]["url"] == f"http://testserver/api/v1/videos/uploads/{body['upload']['id']}/"


def test_a_retried_create_with_the_same_idempotency_key_returns_the_same_video(client, creator, video_root):
    first = start(client, size=1000, key="k-123")
    again = start(client, size=1000, key="k-123")
    other = start(client, size=1000, key="k-456")

    assert first.status_code == again.status_code == other.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["id"] != first.json()["id"]
    assert Video.objects.filter(owner=creator).count() == 2
    # The key is per creator: someone else's identical key makes their own video.
    assert video_services.video_create(owner=UserFactory(), title="x", size=1, idempotency_key="k-123")[1] is True


def test_an_upload_resumes_at_the_stored_offset_and_the_pipeline_makes_playable_hls(
    client, creator, clip, video_root, django_capture_on_commit_callbacks
):
    data = clip.read_bytes()
    created = start(client, size=len(data)).json()
    url = created["upload"]["url"]
    half = len(data) // 2

    # given: the first half arrived, then the connection dropped
    assert patch_chunk(client, url, offset=0, data=data[:half]).status_code == 200
    # when: the client resumes with a stale offset
    stale = patch_chunk(client, url, offset=0, data=data)
    # then: 409, and the current offset in the header and from GET
    assert stale.status_code == 409
    assert error(stale)["code"] == "offset_mismatch"
    assert stale["Upload-Offset"] == str(half)
    status = client.get(url)
    assert status["Upload-Offset"] == str(half)
    assert status.json()["offset"] == half
    assert Video.objects.get().status == "uploading"

    with django_capture_on_commit_callbacks(execute=True):
        done = patch_chunk(client, url, offset=half, data=data[half:])

    assert done.status_code == 200
    assert done.json()["offset"] == len(data)
    assert done.json()["status"] == "complete"
    assert source_path(created["id"]).read_bytes() == data
    assert list(UploadPart.objects.order_by("offset").values_list("offset", "length")) == [
        (0, half),
        (half, len(data) - half),
    ]
    video = Video.objects.get()
    assert video.status == "ready"
    assert (video.duration, video.width, video.height, video.fps) == (2.0, 320, 180, 25.0)
    assert (video.video_codec, video.audio_codec) == ("h264", "aac")
    # A 180p source gets the lowest rung only, never one above the source.
    rendition = Rendition.objects.get(video=video)
    assert (rendition.name, rendition.width, rendition.height) == ("240p", 320, 180)
    assert (rendition.status, rendition.progress, rendition.attempts, rendition.error_code) == ("ready", 100, 1, "")
    out = output_dir(video.pk)
    master = (out / "master.m3u8").read_text()
    assert master.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        '#EXT-X-STREAM-INF:BANDWIDTH=464000,RESOLUTION=320x180,CODECS="avc1.4d401f,mp4a.40.2"',
        "240p.m3u8",
    ]
    readback = ffmpeg_reads(out / "240p.m3u8")
    assert readback.returncode == 0, readback.stderr
    assert (out / "poster.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert (out / "sprite.jpg").read_bytes()[:2] == b"\xff\xd8"
    detail = client.get(f"{VIDEOS}{video.pk}/").json()
    assert detail["manifests"]["hls"] == f"http://testserver/api/v1/videos/{video.pk}/media/master.m3u8"
    assert detail["duration"] == 2.0
    assert detail["poster_url"] == f"http://testserver/api/v1/videos/{video.pk}/media/poster.jpg"
    assert detail["sprite"]["columns"] == 5
    assert detail["renditions"][0]["status"] == "ready"
    playlist = client.get(f"{VIDEOS}{video.pk}/media/240p.m3u8")
    assert playlist.status_code == 200
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"


def test_a_file_that_is_not_a_video_is_refused_whatever_its_name(client, video_root):
    data = b"%PDF-1.4 certainly not a video\n" * 10
    created = start(client, size=len(data), title="movie.mp4").json()

    response = patch_chunk(client, created["upload"]["url"], offset=0, data=data)

    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media"
    video = Video.objects.get()
    assert (video.status, video.error_code) == ("failed", "unsupported_media")
    assert not source_path(video.pk).exists()


def test_a_file_over_the_size_limit_gets_413(client, settings, video_root):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1000

    response = start(client, size=1001)

    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    assert not Video.objects.exists()


def test_a_chunk_past_the_declared_size_gets_413(client, video_root):
    created = start(client, size=10).json()

    response = patch_chunk(client, created["upload"]["url"], offset=0, data=b"x" * 11)

    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    assert Upload.objects.get().offset == 0


def test_total_and_daily_quotas(client, settings, video_root):
    settings.VIDEO_TOTAL_QUOTA_BYTES = 1500
    settings.VIDEO_DAILY_QUOTA_BYTES = 1200
    assert start(client, size=1000).status_code == 201

    daily = start(client, size=300)
    assert daily.status_code == 403
    assert error(daily)["code"] == "daily_quota_exceeded"

    Upload.objects.update(created_at="2020-01-01T00:00:00Z")
    total = start(client, size=600)
    assert total.status_code == 403
    assert error(total)["code"] == "quota_exceeded"
    assert start(client, size=500).status_code == 201


def test_an_interrupted_chunk_keeps_the_bytes_that_arrived(creator, video_root):
    video, _ = video_services.video_create(owner=creator, title="t", size=100)

    upload = video_services.upload_append(
        upload_id=video.upload.pk, user=creator, offset=0, length=60, stream=io.BytesIO(b"a" * 25)
    )

    assert upload.offset == 25
    assert source_path(video.pk).read_bytes() == b"a" * 25


def test_uploads_are_for_their_owner_only(client, api_client, video_root):
    created = start(client, size=10).json()
    url = created["upload"]["url"]
    api_client.force_authenticate(VerifiedUserFactory())

    assert patch_chunk(api_client, url, offset=0, data=b"x").status_code == 404
    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(None)
    assert patch_chunk(api_client, url, offset=0, data=b"x").status_code == 401
    assert api_client.post(VIDEOS, {"title": "t", "size": 1}, format="json").status_code == 401


def test_bad_input_and_unverified_email(client, api_client, video_root):
    missing = client.post(VIDEOS, {"title": "", "size": 0}, format="json")
    scheduled = start(client, size=1, visibility="scheduled")
    api_client.force_authenticate(UserFactory())
    unverified = start(api_client, size=1)

    assert missing.status_code == 400
    assert sorted(e["attr"] for e in missing.json()["errors"]) == ["size", "title"]
    assert scheduled.status_code == 400
    assert error(scheduled)["code"] == "publish_at_required"
    assert unverified.status_code == 403
    assert error(unverified)["code"] == "email_unverified"


def test_seed_demo_uploads_two_videos_through_the_real_pipeline(
    settings, video_root, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    settings.DEBUG = True
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    again = io.StringIO()
    call_command("seed_demo", stdout=again)

    videos = Video.objects.filter(owner__email="creator@fanfare.local").order_by("title")
    assert [(v.title, v.status, v.visibility, v.height) for v in videos] == [
        ("Colour bars", "ready", "public", 360),
        ("Test pattern", "ready", "public", 360),
    ]
    assert sorted(Rendition.objects.filter(video__in=videos).values_list("name", flat=True)) == [
        "240p", "240p", "360p", "360p",
    ]  # fmt: skip
    assert again.getvalue().count("uploaded before") == 2
