"""The MediaConvert backend: sources copied to S3, one job per video writing HLS and DASH to S3.

Completion arrives as EventBridge "MediaConvert Job State Change" events
(``content.services.video_mediaconvert``); the reconciler polls jobs whose events are late.
Output names are fixed by the job: ``hls/source.m3u8`` (master), ``hls/source_<rung>.m3u8``,
``dash/source.mpd`` under ``videos/<video id>/``.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings

from content.transcoding.local import LocalBackend
from content.video_files import source_path

# boto3 (with botocore's client, about 30 MB) is imported by the calls that make a client, not by this
# module: the web process loads it when it first talks to AWS, not at start-up (tests/core/test_lazy_imports.py).

HLS_MASTER = "hls/source.m3u8"
DASH_MANIFEST = "dash/source.mpd"


@functools.cache
def mediaconvert_client():
    import boto3

    return boto3.client(
        "mediaconvert", endpoint_url=settings.MEDIACONVERT_ENDPOINT_URL, region_name=settings.MEDIACONVERT_REGION
    )


def s3_client():
    """The video bucket's client. SigV4 for presigned URLs too (SigV2 is refused by newer regions)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.VIDEO_S3_ENDPOINT_URL,
        region_name=settings.MEDIACONVERT_REGION,
        config=Config(signature_version="s3v4"),
    )


def video_prefix(video_id: Any) -> str:
    return f"videos/{video_id}/"


def _video_output(*, name: str, width: int, height: int, video_bitrate: int, container: str) -> dict:
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
                    "MaxBitrate": video_bitrate * 1000,
                    "SceneChangeDetect": "TRANSITION_DETECTION",
                    "GopSize": 2,
                    "GopSizeUnits": "SECONDS",
                },
            },
        },
    }


def _audio(bitrate: int) -> dict:
    return {
        "CodecSettings": {
            "Codec": "AAC",
            "AacSettings": {"Bitrate": bitrate * 1000, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000},
        }
    }


def job_request(*, video_id: Any, renditions: list[Any]) -> dict:
    """CreateJob's parameters: one input, an HLS group (audio muxed per rung) and a DASH group
    (one video output per rung, one audio output)."""
    bucket = settings.VIDEO_S3_BUCKET
    prefix = f"s3://{bucket}/{video_prefix(video_id)}"
    hls_outputs = [
        {
            **_video_output(
                name=r.name, width=r.width, height=r.height, video_bitrate=r.video_bitrate, container="M3U8"
            ),
            "AudioDescriptions": [_audio(r.audio_bitrate)],
        }
        for r in renditions
    ]
    dash_outputs = [
        _video_output(name=r.name, width=r.width, height=r.height, video_bitrate=r.video_bitrate, container="MPD")
        for r in renditions
    ]
    dash_outputs.append(
        {
            "NameModifier": "_audio",
            "ContainerSettings": {"Container": "MPD"},
            "AudioDescriptions": [_audio(max(r.audio_bitrate for r in renditions))],
        }
    )
    request: dict[str, Any] = {
        "Role": settings.MEDIACONVERT_ROLE_ARN,
        "UserMetadata": {"video_id": str(video_id)},
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
                        "HlsGroupSettings": {"Destination": f"{prefix}hls/", "SegmentLength": 4, "MinSegmentLength": 0},
                    },
                    "Outputs": hls_outputs,
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
                    "Outputs": dash_outputs,
                },
            ],
        },
    }
    if settings.MEDIACONVERT_QUEUE_ARN:
        request["Queue"] = settings.MEDIACONVERT_QUEUE_ARN
    return request


class MediaConvertBackend:
    name = "mediaconvert"

    def probe(self, *, source):
        """Uploads arrive locally in this mode too: probed with the local ffmpeg before the copy."""
        return LocalBackend().probe(source=source)

    def source_upload(self, *, video_id: Any) -> str:
        """Copy the source to the bucket (multipart, streamed from disk); returns its key."""
        key = f"{video_prefix(video_id)}source"
        s3_client().upload_file(str(source_path(video_id)), settings.VIDEO_S3_BUCKET, key)
        return key

    def job_submit(self, *, video_id: Any, renditions: list[Any]) -> str:
        response = mediaconvert_client().create_job(**job_request(video_id=video_id, renditions=renditions))
        return response["Job"]["Id"]

    def job_get(self, *, job_id: str) -> dict:
        return mediaconvert_client().get_job(Id=job_id)["Job"]
