"""The local RTMP ingest, for real: pyrtmp on a free port, ffmpeg pushing a test pattern, ffmpeg
writing HLS, ffprobe-by-ffmpeg reading it back."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import threading
import time

import imageio_ffmpeg
import pytest

from notifications.models import Notification
from social.models import Follow
from streaming.models import LiveStream
from streaming.rtmp_ingest import IngestServer
from tests.factories import UserFactory
from tests.servers import free_port
from tests.streaming.factories import LiveStreamFactory, stream_root

pytestmark = pytest.mark.django_db(transaction=True)
stream_root = stream_root


@pytest.fixture
def ingest():
    """The ingest server in a thread with its own event loop; yields its port."""
    port = free_port()
    loop = asyncio.new_event_loop()
    server = IngestServer()
    started = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start(host="127.0.0.1", port=port))
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield port
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def push(port: int, key: str, seconds: int = 4) -> subprocess.CompletedProcess:
    return subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-re",
         "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
         "-c:a", "aac", "-shortest", "-t", str(seconds),
         "-f", "flv", f"rtmp://127.0.0.1:{port}/live/{key}"],
        capture_output=True, timeout=60,
    )  # fmt: skip


def wait_for_status(stream, status: str, timeout: float = 60.0) -> None:
    """The ingest ends the stream once ffmpeg has flushed the playlist, just after the publisher quit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stream.refresh_from_db()
        if stream.status == status:
            return
        time.sleep(0.1)


def decode(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True, timeout=60,
    )  # fmt: skip


def test_a_test_pattern_pushed_by_ffmpeg_goes_live_as_hls_and_ends(ingest, stream_root, caplog):
    # given a creator's scheduled stream and one follower
    stream = LiveStreamFactory()
    follower = UserFactory()
    Follow.objects.create(follower=follower, followee=stream.owner)
    caplog.set_level(logging.DEBUG)

    # when ffmpeg publishes four seconds to the stream's key
    result = push(ingest, stream.stream_key)

    # then the publish succeeded, the stream went live and then ended
    assert result.returncode == 0, result.stderr.decode()
    wait_for_status(stream, LiveStream.Status.ENDED)
    assert stream.status == LiveStream.Status.ENDED
    assert stream.started_at is not None
    assert stream.ended_at >= stream.started_at
    assert stream.ended_reason == "the publisher stopped"
    # HLS on disk: a finished playlist and segments that decode
    playlist = stream_root / str(stream.pk) / "index.m3u8"
    text = playlist.read_text()
    segments = [line for line in text.splitlines() if line.endswith(".ts")]
    assert text.startswith("#EXTM3U")
    assert "#EXT-X-ENDLIST" in text
    assert len(segments) >= 2
    assert all((playlist.parent / name).stat().st_size > 0 for name in segments)
    assert decode(playlist).returncode == 0
    # Fanfare serves them, after the visibility checks
    from rest_framework.test import APIClient

    served = APIClient().get(f"/api/v1/streams/{stream.pk}/media/index.m3u8")
    segment = APIClient().get(f"/api/v1/streams/{stream.pk}/media/{segments[0]}")
    assert served.status_code == 200
    assert b"".join(served.streaming_content).decode() == text
    assert segment.status_code == 200
    assert b"".join(segment.streaming_content) == (playlist.parent / segments[0]).read_bytes()
    # the follower was told once
    assert Notification.objects.filter(recipient=follower, kind="stream_live").count() == 1
    # and the stream key is in no log line
    assert caplog.records
    assert all(stream.stream_key not in record.getMessage() for record in caplog.records)
    assert stream.stream_key not in caplog.text


def test_a_wrong_key_is_refused_and_changes_nothing(ingest, stream_root):
    stream = LiveStreamFactory()

    result = push(ingest, "live_not-the-key", seconds=2)

    assert result.returncode != 0
    stream.refresh_from_db()
    assert stream.status == LiveStream.Status.SCHEDULED
    assert stream.started_at is None
    assert not (stream_root / str(stream.pk)).exists()


def test_rotating_the_key_cuts_a_session_publishing_with_the_old_one(ingest, stream_root):
    from streaming.services.streams import stream_key_rotate

    stream = LiveStreamFactory()
    publisher = subprocess.Popen(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-re",
         "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=20",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
         "-f", "flv", f"rtmp://127.0.0.1:{ingest}/live/{stream.stream_key}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for_status(stream, LiveStream.Status.LIVE)
        assert stream.status == LiveStream.Status.LIVE

        stream_key_rotate(stream=stream, by=stream.owner)

        returncode = publisher.wait(timeout=60)
    finally:
        publisher.kill()
    # the old key's session was cut (a full 20 s publish would have exited 0)
    assert returncode != 0
    stream.refresh_from_db()
    # the stream stays live for the new key; a publish with the new key resumes it
    assert stream.status == LiveStream.Status.LIVE
    result = push(ingest, stream.stream_key, seconds=2)
    assert result.returncode == 0, result.stderr.decode()
    wait_for_status(stream, LiveStream.Status.ENDED)
    assert stream.status == LiveStream.Status.ENDED
