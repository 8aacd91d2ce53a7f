"""Recording: an ended stream with ``record`` on becomes a video in the content app.

Both providers end in the same path, the one ``content/demo.py`` uses for its clips: the
recording is remuxed (no re-encode) to one MP4 with ffmpeg and uploaded through
``content.services.videos`` (``video_create`` + ``upload_append``), so the real video pipeline
probes and transcodes it. The video's idempotency key is ``stream-recording-<stream id>``: a
second run finds the same video and uploads nothing. With ``VIDEO_UPLOAD_MODE=s3`` the upload
``video_create`` opens is an S3 multipart upload: ``content.services.video_s3.upload_s3_from_file``
puts the MP4's parts into it from the server and completes it through content's own completion.

- local: the ingest kept every HLS segment of a recorded stream (``STREAM_ROOT/<id>/``); the
  playlist is the input.
- ivs: the channel's recording configuration wrote HLS to S3; the "IVS Recording State Change"
  / "Recording End" event says where (bucket and key prefix). The files under
  ``<prefix>/media/hls/`` are copied down and the master playlist is the input.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from django.db import transaction

from content.models import Upload, Video
from content.services import video_s3, videos
from core.errors import ApplicationError
from streaming.models import LiveStream
from streaming.providers import ivs
from streaming.selectors.streams import stream_dir

logger = logging.getLogger(__name__)

VISIBILITY = {
    LiveStream.Visibility.PUBLIC: Video.Visibility.PUBLIC,
    LiveStream.Visibility.UNLISTED: Video.Visibility.UNLISTED,
    LiveStream.Visibility.SUBSCRIBERS: Video.Visibility.SUBSCRIBERS,
    # Videos have no followers-only visibility: such a recording stays private to the streamer.
    LiveStream.Visibility.FOLLOWERS: Video.Visibility.PRIVATE,
}


def remux_to_mp4(*, playlist: Path, output: Path) -> Path:
    """Concatenate an HLS recording into one MP4 (stream copy; ADTS AAC fixed for MP4)."""
    subprocess.run(  # noqa: S603
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y",
         "-allowed_extensions", "ALL", "-i", str(playlist),
         "-c", "copy", "-bsf:a", "aac_adtstoasc", "-movflags", "+faststart", str(output)],
        check=True, capture_output=True, timeout=60 * 60,
    )  # fmt: skip
    return output


def _ivs_recording_download(*, stream: LiveStream, into: Path) -> Path | None:
    info = stream.extra_metadata.get("ivs_recording") or {}
    bucket, prefix = info.get("bucket"), str(info.get("prefix", "")).rstrip("/")
    if not bucket or not prefix:
        return None
    client = ivs.recordings_s3_client()
    hls_prefix = f"{prefix}/media/hls/"
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=hls_prefix):
        for item in page.get("Contents", []):
            relative = item["Key"][len(hls_prefix) :]
            target = (into / relative).resolve()
            if into.resolve() not in target.parents:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, item["Key"], str(target))
    master = into / "master.m3u8"
    return master if master.exists() else None


def stream_recording_build(*, stream_id: Any) -> Video | None:
    """Make the recording of an ended, recorded stream into a video; returns it (None when there is
    nothing to make yet: not ended, not recorded, or IVS has not said where the recording is)."""
    stream = LiveStream.all_objects.select_related("owner").filter(pk=stream_id).first()
    if stream is None or not stream.record or stream.status != LiveStream.Status.ENDED or stream.started_at is None:
        return None
    if stream.recording_video_id:
        return Video.all_objects.filter(pk=stream.recording_video_id).first()
    with tempfile.TemporaryDirectory(prefix="fanfare-recording-") as tmp:
        work = Path(tmp)
        if stream.provider == LiveStream.Provider.IVS:
            playlist = _ivs_recording_download(stream=stream, into=work / "hls")
        else:
            playlist = stream_dir(stream.pk) / "index.m3u8"
            playlist = playlist if playlist.exists() else None
        if playlist is None:
            logger.info("recording of stream %s: nothing to record yet", stream.pk)
            return None
        mp4 = remux_to_mp4(playlist=playlist, output=work / "recording.mp4")
        size = mp4.stat().st_size
        video = _upload(stream=stream, mp4=mp4, size=size)
    with transaction.atomic():
        LiveStream.all_objects.filter(pk=stream.pk).update(recording_video=video)
    logger.info("recording of stream %s: video %s", stream.pk, video.pk)
    return video


def _upload(*, stream: LiveStream, mp4: Path, size: int) -> Video:
    with transaction.atomic():
        video, _ = videos.video_create(
            owner=stream.owner,
            title=stream.title[:200],
            description=stream.description,
            tags=[*stream.tags, "live"],
            size=size,
            visibility=VISIBILITY[stream.visibility],
            idempotency_key=f"stream-recording-{stream.pk}",
        )
        upload = video.upload
        if upload.mode == Upload.Mode.LOCAL and upload.offset < size:
            offset = upload.offset
            with open(mp4, "rb") as source:
                source.seek(offset)
                try:
                    videos.upload_append(
                        upload_id=upload.pk, user=stream.owner, offset=offset, length=size - offset, stream=source
                    )
                except ApplicationError as error:
                    logger.warning("recording of stream %s: upload refused (%s)", stream.pk, error.code)
                    raise
    # S3 upload mode: the video and its multipart upload are committed first; the parts go to the
    # bucket outside any transaction, and content completes the upload (and probes) itself.
    if upload.mode == Upload.Mode.S3 and upload.status == Upload.Status.OPEN:
        try:
            video_s3.upload_s3_from_file(upload_id=upload.pk, user=stream.owner, path=mp4)
        except ApplicationError as error:
            logger.warning("recording of stream %s: S3 upload refused (%s)", stream.pk, error.code)
            raise
    video.refresh_from_db()
    return video
