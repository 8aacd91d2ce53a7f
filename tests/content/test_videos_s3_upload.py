"""S3 upload mode against moto's S3 server: presigned parts PUT by httpx as a client would,
completion with the ETags, size checks, probing, the local pipeline on the S3 source, aborts."""

from __future__ import annotations

import datetime as dt

import boto3
import httpx
import pytest
from django.utils import timezone
from moto.server import ThreadedMotoServer

from content.models import Rendition, Upload, Video
from content.services import video_pipeline
from content.services.video_s3 import upload_s3_from_file
from content.services.videos import video_create
from content.video_files import output_dir
from core.errors import ApplicationError, ConflictError, NotFoundError
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory, ffmpeg_reads, make_clip
from tests.servers import free_port

pytestmark = pytest.mark.django_db
video_root = video_factories.video_root

VIDEOS = "/api/v1/videos/"
BUCKET = "fanfare-videos"
PART = 16 * 1024


def error(response):
    return response.json()["errors"][0]


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("s3clips") / "tiny.mp4", size="160x90", seconds=1)


@pytest.fixture
def s3(monkeypatch, settings, video_root):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # moto's server enforces S3's 5 MiB minimum for every part but the last; the clip is smaller.
    monkeypatch.setattr("moto.s3.models.S3_UPLOAD_PART_MIN_SIZE", 1024)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    httpx.post(f"http://127.0.0.1:{port}/moto-api/reset").raise_for_status()  # moto's state is per process
    settings.VIDEO_UPLOAD_MODE = "s3"
    settings.VIDEO_S3_BUCKET = BUCKET
    settings.VIDEO_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    settings.VIDEO_S3_PART_BYTES = PART
    client = boto3.client("s3", endpoint_url=settings.VIDEO_S3_ENDPOINT_URL, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


@pytest.fixture
def creator():
    return VerifiedUserFactory(handle="ana")


@pytest.fixture
def client(api_client, creator):
    api_client.force_authenticate(creator)
    return api_client


def start(client, *, size, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(VIDEOS, {"title": "Clip", "size": size}, format="json", **headers)


def put_parts(upload: dict, data: bytes) -> list[dict]:
    """What a client does: PUT each slice to its presigned URL, keep the ETag of each answer."""
    etags = []
    offset = 0
    for part in upload["parts"]:
        response = httpx.put(part["url"], content=data[offset : offset + part["size"]], timeout=30)
        assert response.status_code == 200, response.text
        etags.append({"number": part["number"], "etag": response.headers["ETag"]})
        offset += part["size"]
    return etags


def multipart_uploads(s3) -> list[str]:
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])]


def test_a_client_puts_presigned_parts_completes_and_the_local_pipeline_makes_hls(
    s3, client, creator, tiny_clip, django_capture_on_commit_callbacks
):
    data = tiny_clip.read_bytes()
    parts_expected = -(-len(data) // PART)
    assert parts_expected >= 2

    # given: a started upload lists one presigned URL per part
    created = start(client, size=len(data), key="k-1")
    assert created.status_code == 201
    upload = created.json()["upload"]
    video_id = created.json()["id"]
    assert (upload["mode"], upload["status"], upload["part_size"], upload["offset"]) == ("s3", "open", PART, 0)
    assert [p["number"] for p in upload["parts"]] == list(range(1, parts_expected + 1))
    assert [p["size"] for p in upload["parts"]] == [PART] * (parts_expected - 1) + [
        len(data) - PART * (parts_expected - 1)
    ]
    assert upload["complete_url"] == f"http://testserver/api/v1/videos/uploads/{upload['id']}/complete/"
    assert multipart_uploads(s3) == [f"videos/{video_id}/source"]
    assert start(client, size=len(data), key="k-1").json()["id"] == video_id  # Idempotency-Key

    # when: the client PUTs the parts straight to the bucket, then completes with the ETags
    etags = put_parts(upload, data)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(upload["complete_url"], {"parts": etags}, format="json")

    # then: the object is whole, the upload complete, and the pipeline made playable HLS from it
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["offset"], done.json()["parts"]) == ("complete", len(data), [])
    assert s3.get_object(Bucket=BUCKET, Key=f"videos/{video_id}/source")["Body"].read() == data
    assert multipart_uploads(s3) == []
    video = Video.objects.get(pk=video_id)
    assert (video.status, video.width, video.height, video.duration, video.source_size) == (
        "ready", 160, 90, 1.0, len(data),
    )  # fmt: skip
    rendition = Rendition.objects.get(video=video)
    assert (rendition.name, rendition.status, rendition.width, rendition.height) == ("240p", "ready", 160, 90)
    readback = ffmpeg_reads(output_dir(video.pk) / "240p.m3u8")
    assert readback.returncode == 0, readback.stderr
    again = client.post(upload["complete_url"], {"parts": etags}, format="json")
    assert (again.status_code, error(again)["code"]) == (409, "upload_complete")


def test_chunks_are_refused_in_s3_mode_and_completion_needs_every_part(s3, client, tiny_clip):
    data = tiny_clip.read_bytes()
    upload = start(client, size=len(data)).json()["upload"]
    etags = put_parts(upload, data)

    chunk = client.generic(
        "PATCH", upload["url"], b"x", content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0"
    )
    missing = client.post(upload["complete_url"], {"parts": etags[:-1]}, format="json")
    wrong = client.post(upload["complete_url"], {"parts": [{**etags[0], "etag": '"0000"'}, *etags[1:]]}, format="json")
    empty = client.post(upload["complete_url"], {"parts": []}, format="json")

    assert (chunk.status_code, error(chunk)["code"]) == (409, "s3_upload")
    assert (missing.status_code, error(missing)["code"]) == (400, "invalid_parts")
    assert (wrong.status_code, error(wrong)["code"]) == (400, "invalid_parts")
    assert (empty.status_code, error(empty)["attr"]) == (400, "parts.non_field_errors")
    assert Upload.objects.get().status == "open"


def test_an_object_bigger_than_declared_gets_413_and_is_deleted(s3, client, tiny_clip):
    data = tiny_clip.read_bytes()
    upload = start(client, size=len(data)).json()["upload"]
    last = upload["parts"][-1]
    etags = put_parts({"parts": upload["parts"][:-1]}, data)
    tail = httpx.put(last["url"], content=data[(last["number"] - 1) * PART :] + b"extra", timeout=30)
    etags.append({"number": last["number"], "etag": tail.headers["ETag"]})

    response = client.post(upload["complete_url"], {"parts": etags}, format="json")

    assert (response.status_code, error(response)["code"]) == (413, "request_too_large")
    video = Video.objects.get()
    assert (video.status, video.error_code) == ("failed", "size_mismatch")
    assert Upload.objects.get().status == "aborted"
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_a_file_that_is_not_a_video_gets_415_and_is_deleted(s3, client):
    data = b"%PDF-1.4 not a video\n" * 1000
    upload = start(client, size=len(data)).json()["upload"]

    response = client.post(upload["complete_url"], {"parts": put_parts(upload, data)}, format="json")

    assert (response.status_code, error(response)["code"]) == (415, "unsupported_media")
    video = Video.objects.get()
    assert (video.status, video.error_code) == ("failed", "unsupported_media")
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_limits_and_quotas_are_those_of_local_mode(s3, client, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1000
    settings.VIDEO_TOTAL_QUOTA_BYTES = 900

    too_big = start(client, size=1001)
    over_quota = start(client, size=901)

    assert (too_big.status_code, error(too_big)["code"]) == (413, "request_too_large")
    assert (over_quota.status_code, error(over_quota)["code"]) == (403, "quota_exceeded")
    assert multipart_uploads(s3) == []


def test_completion_is_for_the_owner_only(s3, client, api_client, tiny_clip):
    upload = start(client, size=100).json()["upload"]
    api_client.force_authenticate(VerifiedUserFactory())
    parts = {"parts": [{"number": 1, "etag": '"x"'}]}

    assert api_client.post(upload["complete_url"], parts, format="json").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.post(upload["complete_url"], parts, format="json").status_code == 401
    assert Upload.objects.get().status == "open"


def test_deleting_the_video_aborts_the_multipart_upload(s3, client, django_capture_on_commit_callbacks):
    created = start(client, size=100).json()
    assert len(multipart_uploads(s3)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{VIDEOS}{created['id']}/").status_code == 204

    assert multipart_uploads(s3) == []
    assert Upload.objects.get().status == "aborted"


def test_the_reconciler_aborts_abandoned_uploads(s3, client, settings, django_capture_on_commit_callbacks):
    settings.VIDEO_S3_UPLOAD_EXPIRES = 3600
    old = start(client, size=100).json()
    fresh = start(client, size=100).json()
    Upload.objects.filter(video_id=old["id"]).update(created_at=timezone.now() - dt.timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        counts = video_pipeline.video_jobs_reconcile()

    assert counts["aborted"] == 1
    assert multipart_uploads(s3) == [f"videos/{fresh['id']}/source"]
    video = Video.objects.get(pk=old["id"])
    assert (video.status, video.error_code) == ("failed", "upload_abandoned")
    late = client.post(old["upload"]["complete_url"], {"parts": [{"number": 1, "etag": '"x"'}]}, format="json")
    assert (late.status_code, error(late)["code"]) == (409, "upload_aborted")


def test_purging_the_owner_deletes_the_objects_and_aborts_open_uploads(
    s3, client, creator, tiny_clip, django_capture_on_commit_callbacks
):
    from content.services.videos import videos_purge_of_owner

    data = tiny_clip.read_bytes()
    done = start(client, size=len(data)).json()
    etags = put_parts(done["upload"], data)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(done["upload"]["complete_url"], {"parts": etags}, format="json").status_code == 200
    start(client, size=100)
    s3.put_object(Bucket=BUCKET, Key="videos/someone-else/source", Body=b"kept")

    with django_capture_on_commit_callbacks(execute=True):
        assert videos_purge_of_owner(user=creator) == 2

    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["videos/someone-else/source"]
    assert multipart_uploads(s3) == []
    assert not Video.all_objects.exists()


def test_storage_that_does_not_answer_is_a_503_and_leaves_nothing(client, settings, video_root, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.VIDEO_UPLOAD_MODE = "s3"
    settings.VIDEO_S3_BUCKET = BUCKET
    settings.VIDEO_S3_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client.raise_request_exception = False  # a 5xx is also reported to monitoring, as it should be

    response = start(client, size=1000)

    assert response.status_code == 503
    assert error(response) == {
        "code": "storage_unavailable",
        "detail": "Video storage is not answering. Try again shortly.",
        "attr": None,
    }
    assert not Video.all_objects.exists()


def test_the_server_puts_its_own_file_as_parts_and_completes_like_a_client(
    s3, creator, tiny_clip, django_capture_on_commit_callbacks
):
    data = tiny_clip.read_bytes()
    video, _ = video_create(owner=creator, title="Made here", size=len(data))
    assert video.upload.mode == "s3"

    with django_capture_on_commit_callbacks(execute=True):
        upload = upload_s3_from_file(upload_id=video.upload.pk, user=creator, path=tiny_clip)

    assert (upload.status, upload.offset) == ("complete", len(data))
    assert s3.get_object(Bucket=BUCKET, Key=f"videos/{video.pk}/source")["Body"].read() == data
    assert multipart_uploads(s3) == []
    video.refresh_from_db()
    assert (video.status, video.width, video.height, video.source_size) == ("ready", 160, 90, len(data))
    with pytest.raises(ConflictError) as again:
        upload_s3_from_file(upload_id=upload.pk, user=creator, path=tiny_clip)
    assert again.value.code == "upload_complete"


def test_the_server_side_upload_refuses_a_wrong_size_another_owner_and_chunked_uploads(
    s3, creator, tiny_clip, settings, tmp_path
):
    size = tiny_clip.stat().st_size
    video, _ = video_create(owner=creator, title="Declared wrong", size=size + 1)
    with pytest.raises(ApplicationError) as wrong_size:
        upload_s3_from_file(upload_id=video.upload.pk, user=creator, path=tiny_clip)
    with pytest.raises(NotFoundError):
        upload_s3_from_file(upload_id=video.upload.pk, user=VerifiedUserFactory(), path=tiny_clip)
    settings.VIDEO_UPLOAD_MODE = "local"
    chunked, _ = video_create(owner=creator, title="Chunked", size=size)
    with pytest.raises(ConflictError) as not_s3:
        upload_s3_from_file(upload_id=chunked.upload.pk, user=creator, path=tiny_clip)

    assert wrong_size.value.code == "size_mismatch"
    assert not_s3.value.code == "not_s3_upload"
    assert Upload.objects.get(pk=video.upload.pk).status == "open"
    assert [
        p["PartNumber"]
        for p in s3.list_parts(Bucket=BUCKET, Key=f"videos/{video.pk}/source", UploadId=video.upload.s3_upload_id).get(
            "Parts", []
        )
    ] == []
