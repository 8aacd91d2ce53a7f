"""The MediaConvert backend: requests checked by botocore's Stubber against the service's API model,
the source copied to moto's S3 server, and the EventBridge notification endpoint."""

from __future__ import annotations

import datetime as dt
import uuid

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.utils import timezone
from moto.server import ThreadedMotoServer

from content.models import Rendition, Upload, Video, VideoJobEvent
from content.services import video_pipeline
from content.transcoding.mediaconvert import mediaconvert_client
from content.video_files import source_path
from tests.content import video_factories
from tests.content.video_factories import VideoFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db
video_root = video_factories.video_root

ROLE = "arn:aws:iam::123456789012:role/FanfareMediaConvert"
JOB_ID = "1732480000000-a1b2c3"
EVENTS = "/api/v1/videos/mediaconvert/events/"
TOKEN = "events-token-for-tests"


@pytest.fixture
def mediaconvert(monkeypatch, settings, video_root):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.VIDEO_BACKEND = "mediaconvert"
    settings.VIDEO_S3_BUCKET = "fanfare-videos"
    settings.MEDIACONVERT_ROLE_ARN = ROLE
    settings.MEDIACONVERT_QUEUE_ARN = ""
    settings.MEDIACONVERT_ENDPOINT_URL = "https://abcd1234.mediaconvert.us-east-1.amazonaws.com"
    settings.MEDIACONVERT_EVENTS_TOKEN = TOKEN
    mediaconvert_client.cache_clear()
    stubber = Stubber(mediaconvert_client())
    stubber.activate()
    yield stubber
    stubber.deactivate()
    mediaconvert_client.cache_clear()


@pytest.fixture
def s3(settings):
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings.VIDEO_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=settings.VIDEO_S3_ENDPOINT_URL, region_name="us-east-1")
    client.create_bucket(Bucket="fanfare-videos")
    yield client
    server.stop()


def h264(name, width, height, bitrate, container):
    return {
        "NameModifier": f"_{name}",
        "ContainerSettings": {"Container": container},
        "VideoDescription": {
            "Width": width,
            "Height": height,
            "CodecSettings": {
                "Codec": "H_264",
                "H264Settings": {
                    "RateControlMode": "QVBR",
                    "MaxBitrate": bitrate,
                    "SceneChangeDetect": "TRANSITION_DETECTION",
                    "GopSize": 2,
                    "GopSizeUnits": "SECONDS",
                },
            },
        },
    }


def aac(bitrate):
    return {
        "CodecSettings": {
            "Codec": "AAC",
            "AacSettings": {"Bitrate": bitrate, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000},
        }
    }


def test_processing_copies_the_source_to_s3_and_submits_one_checked_job(mediaconvert, s3):
    video = VideoFactory(status=Video.Status.UPLOADED, width=640, height=360, master_playlist="", poster="", sprite="")
    source_path(video.pk).parent.mkdir(parents=True)
    source_path(video.pk).write_bytes(b"the source bytes")
    prefix = f"s3://fanfare-videos/videos/{video.pk}/"
    mediaconvert.add_response(
        "create_job",
        {"Job": {"Id": JOB_ID, "Role": ROLE, "Settings": {}, "Status": "SUBMITTED"}},
        {
            "Role": ROLE,
            "UserMetadata": {"video_id": str(video.pk)},
            "StatusUpdateInterval": "SECONDS_10",
            "Settings": {
                "Inputs": [
                    {
                        "FileInput": f"{prefix}source",
                        "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}},
                        "VideoSelector": {},
                        "TimecodeSource": "ZEROBASED",
                    }
                ],
                "OutputGroups": [
                    {
                        "Name": "HLS",
                        "OutputGroupSettings": {
                            "Type": "HLS_GROUP_SETTINGS",
                            "HlsGroupSettings": {
                                "Destination": f"{prefix}hls/",
                                "SegmentLength": 4,
                                "MinSegmentLength": 0,
                            },
                        },
                        "Outputs": [
                            {**h264("240p", 426, 240, 400_000, "M3U8"), "AudioDescriptions": [aac(64_000)]},
                            {**h264("360p", 640, 360, 800_000, "M3U8"), "AudioDescriptions": [aac(96_000)]},
                        ],
                    },
                    {
                        "Name": "DASH",
                        "OutputGroupSettings": {
                            "Type": "DASH_ISO_GROUP_SETTINGS",
                            "DashIsoGroupSettings": {
                                "Destination": f"{prefix}dash/",
                                "SegmentLength": 4,
                                "FragmentLength": 2,
                            },
                        },
                        "Outputs": [
                            h264("240p", 426, 240, 400_000, "MPD"),
                            h264("360p", 640, 360, 800_000, "MPD"),
                            {
                                "NameModifier": "_audio",
                                "ContainerSettings": {"Container": "MPD"},
                                "AudioDescriptions": [aac(96_000)],
                            },
                        ],
                    },
                ],
            },
        },
    )

    ids = video_pipeline.video_processing_start(video_id=video.pk)

    mediaconvert.assert_no_pending_responses()
    assert len(ids) == 2
    assert s3.get_object(Bucket="fanfare-videos", Key=f"videos/{video.pk}/source")["Body"].read() == b"the source bytes"
    assert list(Rendition.objects.filter(video=video).values_list("name", "status", "external_job_id", "attempts")) == [
        ("240p", "running", JOB_ID, 1),
        ("360p", "running", JOB_ID, 1),
    ]
    assert Video.objects.get(pk=video.pk).status == "processing"


def test_a_refused_job_fails_the_video_visibly(mediaconvert, s3):
    video = VideoFactory(status=Video.Status.UPLOADED, master_playlist="", poster="", sprite="")
    source_path(video.pk).parent.mkdir(parents=True)
    source_path(video.pk).write_bytes(b"x")
    mediaconvert.add_client_error("create_job", service_error_code="BadRequestException", service_message="Bad role")

    assert video_pipeline.video_processing_start(video_id=video.pk) == []

    video.refresh_from_db()
    assert (video.status, video.error_code) == ("failed", "rendition_failed")
    rendition = Rendition.objects.get(video=video)
    assert (rendition.status, rendition.error_code) == ("failed", "mediaconvert_error")
    assert "Bad role" in rendition.error_message


def processing_video(*, job_id=JOB_ID, heartbeat=None):
    video = VideoFactory(status=Video.Status.PROCESSING, master_playlist="", poster="", sprite="")
    for name, width, height in [("240p", 426, 240), ("360p", 640, 360)]:
        Rendition.objects.create(
            video=video, name=name, width=width, height=height, video_bitrate=400, audio_bitrate=64,
            status=Rendition.Status.RUNNING, attempts=1, external_job_id=job_id,
            heartbeat_at=heartbeat or timezone.now(),
        )  # fmt: skip
    return video


def event(status, *, job_id=JOB_ID, event_id=None, **detail):
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "MediaConvert Job State Change",
        "source": "aws.mediaconvert",
        "account": "123456789012",
        "time": "2026-11-24T21:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:mediaconvert:us-east-1:123456789012:jobs/{job_id}"],
        "detail": {
            "timestamp": 1732482000000,
            "accountId": "123456789012",
            "jobId": job_id,
            "status": status,
            **detail,
        },
    }


def post(api_client, body, token=TOKEN):
    return api_client.post(EVENTS, body, format="json", HTTP_X_FANFARE_EVENTS_TOKEN=token)


def test_a_completion_event_makes_the_video_ready_once(mediaconvert, api_client):
    video = processing_video()
    progress = event("STATUS_UPDATE", jobProgress={"jobPercentComplete": 40})
    complete = event("COMPLETE", event_id="evt-complete-1")

    assert post(api_client, progress).json() == {"status": "processed"}
    assert set(Rendition.objects.filter(video=video).values_list("progress", flat=True)) == {40}
    first = post(api_client, complete)
    Rendition.objects.filter(video=video).update(progress=7)  # any change a replay would undo
    duplicate = post(api_client, complete)

    assert first.json() == {"status": "processed"}
    assert (duplicate.status_code, duplicate.json()) == (200, {"status": "duplicate"})
    assert set(Rendition.objects.filter(video=video).values_list("status", "progress")) == {("ready", 7)}
    assert sorted(Rendition.objects.filter(video=video).values_list("playlist", flat=True)) == [
        "hls/source_240p.m3u8",
        "hls/source_360p.m3u8",
    ]
    video.refresh_from_db()
    assert (video.status, video.master_playlist, video.dash_manifest) == ("ready", "hls/source.m3u8", "dash/source.mpd")
    assert VideoJobEvent.objects.filter(job_id=JOB_ID).count() == 2
    assert video.output_storage == "s3"
    # Outputs in S3 without a CloudFront domain: HLS through the API's signing playlists, no DASH
    # (tests/content/test_videos_s3_playback.py plays them).
    detail = api_client.get(f"/api/v1/videos/{video.pk}/").json()
    assert detail["manifests"] == {
        "hls": f"http://testserver/api/v1/videos/{video.pk}/media/hls/source.m3u8",
        "dash": None,
    }


def test_an_error_event_fails_the_renditions_with_the_reason(mediaconvert, api_client):
    video = processing_video()

    post(api_client, event("ERROR", errorCode=1010, errorMessage="Unable to open input file"))

    assert set(Rendition.objects.filter(video=video).values_list("status", "error_code", "error_message")) == {
        ("failed", "mediaconvert_1010", "Unable to open input file")
    }
    assert Video.objects.get(pk=video.pk).status == "failed"


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_events_without_the_right_token_are_refused(mediaconvert, api_client, token):
    video = processing_video()

    response = post(api_client, event("COMPLETE"), token=token)

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "invalid_token"
    assert Video.objects.get(pk=video.pk).status == "processing"
    assert not VideoJobEvent.objects.exists()


def test_other_events_are_refused_and_unknown_jobs_ignored(mediaconvert, api_client):
    wrong = post(api_client, {**event("COMPLETE"), "source": "aws.s3"})
    unknown = post(api_client, event("COMPLETE", job_id="someone-elses-job"))

    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (400, "unsupported_event")
    assert unknown.json() == {"status": "ignored"}


def test_the_reconciler_polls_a_job_whose_events_are_late(mediaconvert):
    video = processing_video(heartbeat=timezone.now() - dt.timedelta(hours=1))
    mediaconvert.add_response(
        "get_job", {"Job": {"Id": JOB_ID, "Role": ROLE, "Settings": {}, "Status": "COMPLETE"}}, {"Id": JOB_ID}
    )

    counts = video_pipeline.video_jobs_reconcile()

    mediaconvert.assert_no_pending_responses()
    assert counts == {"retried": 0, "failed": 0, "requeued": 0, "polled": 1, "aborted": 0}
    assert Video.objects.get(pk=video.pk).status == "ready"


def test_an_s3_upload_is_read_in_place_by_the_job_never_copied(mediaconvert, s3):
    video = VideoFactory(status=Video.Status.UPLOADED, master_playlist="", poster="", sprite="", renditions=None)
    key = f"videos/{video.pk}/source"
    Upload.objects.create(video=video, size=3, offset=3, status="complete", mode="s3", s3_key=key)
    s3.put_object(Bucket="fanfare-videos", Key=key, Body=b"abc")
    mediaconvert.add_response(
        "create_job",
        {"Job": {"Id": JOB_ID, "Role": ROLE, "Settings": {}, "Status": "SUBMITTED"}},
        {
            "Role": ROLE,
            "UserMetadata": {"video_id": str(video.pk)},
            "StatusUpdateInterval": "SECONDS_10",
            "Settings": ANY,
        },
    )

    ids = video_pipeline.video_processing_start(video_id=video.pk)

    mediaconvert.assert_no_pending_responses()
    assert len(ids) == 1
    assert not source_path(video.pk).exists()
    assert s3.get_object(Bucket="fanfare-videos", Key=key)["Body"].read() == b"abc"
