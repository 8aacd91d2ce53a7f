"""Recording: an ended stream with record on becomes a video through content's real upload path.
Local: the ingest's HLS; IVS: the recording in S3 (moto), found through the "Recording End" event."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import boto3
import imageio_ffmpeg
import pytest
from django.utils import timezone
from moto import mock_aws

from content.models import Video
from streaming.models import LiveStream
from streaming.providers import ivs
from streaming.services import streams
from streaming.services.recording import stream_recording_build
from tests.content.test_videos_s3_upload import BUCKET as VIDEO_BUCKET
from tests.content.test_videos_s3_upload import PART, multipart_uploads, s3
from tests.content.video_factories import video_root
from tests.streaming.factories import LiveStreamFactory, stream_root

pytestmark = pytest.mark.django_db
video_root = video_root
s3 = s3  # moto's S3 server with VIDEO_UPLOAD_MODE=s3
stream_root = stream_root
S = LiveStream.Status
BUCKET = "fanfare-ivs-recordings"


def make_hls(directory: Path, *, playlist: str = "index.m3u8", seconds: int = 4) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-shortest",
         "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", str(directory / playlist)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return directory / playlist


def ended_stream(**kwargs) -> LiveStream:
    now = timezone.now()
    return LiveStreamFactory(
        status=S.ENDED, record=True, started_at=now - dt.timedelta(minutes=1), ended_at=now, **kwargs
    )


def test_a_local_recording_becomes_a_video_once(stream_root, video_root):
    stream = ended_stream(title="Friday jam", tags=["music"], visibility="unlisted")
    make_hls(stream_root / str(stream.pk))

    video = stream_recording_build(stream_id=stream.pk)

    assert video.owner == stream.owner
    assert (video.title, video.visibility) == ("Friday jam", Video.Visibility.UNLISTED)
    assert video.tags == ["music", "live"]
    assert video.idempotency_key == f"stream-recording-{stream.pk}"
    assert video.status == Video.Status.UPLOADED  # probed; the pipeline starts after commit
    assert video.duration == pytest.approx(4, abs=0.5)
    assert (video.width, video.height) == (320, 240)
    stream.refresh_from_db()
    assert stream.recording_video == video
    # a second run finds the same video
    assert stream_recording_build(stream_id=stream.pk) == video
    assert Video.all_objects.filter(owner=stream.owner).count() == 1


def test_with_s3_uploads_the_server_puts_the_recording_in_the_bucket_and_completes_it(stream_root, s3):
    stream = ended_stream(title="Late show")
    make_hls(stream_root / str(stream.pk))

    video = stream_recording_build(stream_id=stream.pk)

    assert video.idempotency_key == f"stream-recording-{stream.pk}"
    assert video.status == Video.Status.UPLOADED  # probed from the bucket; the pipeline starts after commit
    assert video.duration == pytest.approx(4, abs=0.5)
    assert (video.width, video.height) == (320, 240)
    upload = video.upload
    assert (upload.mode, upload.status, upload.s3_key) == ("s3", "complete", f"videos/{video.pk}/source")
    assert upload.size > 2 * PART  # several parts went up
    stored = s3.head_object(Bucket=VIDEO_BUCKET, Key=upload.s3_key)["ContentLength"]
    assert stored == upload.size == upload.offset == video.source_size
    assert multipart_uploads(s3) == []
    stream.refresh_from_db()
    assert stream.recording_video == video
    # a second run finds the same video and sends nothing
    assert stream_recording_build(stream_id=stream.pk) == video
    assert Video.all_objects.filter(owner=stream.owner).count() == 1


def test_nothing_to_record(stream_root, video_root):
    not_recorded = LiveStreamFactory(status=S.ENDED, record=False, started_at=timezone.now())
    cancelled = LiveStreamFactory(status=S.ENDED, record=True)  # never started
    live = LiveStreamFactory(status=S.LIVE, record=True, started_at=timezone.now())
    no_files = ended_stream()

    assert [stream_recording_build(stream_id=s.pk) for s in (not_recorded, cancelled, live, no_files)] == [None] * 4
    assert not Video.all_objects.exists()


def test_ending_a_recorded_stream_queues_the_recording(stream_root, video_root, django_capture_on_commit_callbacks):
    stream = LiveStreamFactory(status=S.LIVE, record=True, started_at=timezone.now())
    make_hls(stream_root / str(stream.pk), seconds=2)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        streams.stream_end(stream=stream, by=stream.owner)
    for callback in callbacks:  # the end's hook; then the recording task runs eagerly
        callback()

    stream.refresh_from_db()
    assert stream.recording_video is not None
    assert stream.recording_video.title == stream.title


def test_an_ivs_recording_in_s3_becomes_a_video(monkeypatch, settings, tmp_path, video_root, api_client):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.IVS_REGION = "us-east-1"
    settings.IVS_S3_ENDPOINT_URL = None
    settings.IVS_EVENTS_TOKEN = "token"
    ivs.recordings_s3_client.cache_clear()
    event = json.loads((Path(__file__).parent / "events" / "recording_end.json").read_text())
    prefix = event["detail"]["recording_s3_key_prefix"]
    with mock_aws():
        # given IVS's recording layout in the bucket: <prefix>/media/hls/master.m3u8 + a rendition
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        hls = tmp_path / "ivs"
        make_hls(hls / "480p30", playlist="playlist.m3u8")
        (hls / "master.m3u8").write_text(
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=320x240\n480p30/playlist.m3u8\n"
        )
        for path in hls.rglob("*"):
            if path.is_file():
                s3.upload_file(str(path), BUCKET, f"{prefix}/media/hls/{path.relative_to(hls)}")
        stream = ended_stream(provider="ivs", ivs_channel_arn=event["resources"][0])

        # when the "Recording End" event arrives
        response = api_client.post(
            "/api/v1/streams/ivs/events/", event, format="json", HTTP_X_FANFARE_EVENTS_TOKEN="token"
        )
        video = stream_recording_build(stream_id=stream.pk)

    ivs.recordings_s3_client.cache_clear()
    assert response.json() == {"status": "applied"}
    stream.refresh_from_db()
    assert stream.extra_metadata["ivs_recording"] == {"bucket": BUCKET, "prefix": prefix, "duration_ms": 2520000}
    assert stream.recording_video == video
    assert video.status == Video.Status.UPLOADED
    assert video.duration == pytest.approx(4, abs=0.5)
