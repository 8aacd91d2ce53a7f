"""Video factories, tiny generated clips (ffmpeg's test sources), and fixtures shared by the video tests.

Test modules import the fixtures they use: ``from tests.content.video_factories import video_root``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import factory
import imageio_ffmpeg
import pytest
from django.utils import timezone

from content.models import Rendition, Upload, Video
from content.video_files import output_dir
from tests.factories import UserFactory


def make_clip(path: Path, *, size: str = "320x180", seconds: int = 2) -> Path:
    """An H.264/AAC MP4 of ffmpeg's test pattern and a sine tone (tiny: the machine is shared)."""
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return path


def ffmpeg_reads(path: Path) -> subprocess.CompletedProcess:
    """Decode ``path`` completely with ffmpeg (``-f null``); returncode 0 when it plays."""
    return subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


@pytest.fixture
def video_root(tmp_path, settings):
    settings.VIDEO_ROOT = tmp_path / "videos"
    settings.VIDEO_X264_PRESET = "ultrafast"
    settings.VIDEO_FFMPEG_THREADS = 1
    return settings.VIDEO_ROOT


class VerifiedUserFactory(UserFactory):
    email_verified_at = factory.LazyFunction(timezone.now)


class VideoFactory(factory.django.DjangoModelFactory):
    """A processed, public video (files are not written: see ``with_files``)."""

    class Meta:
        model = Video
        skip_postgeneration_save = True

    owner = factory.SubFactory(VerifiedUserFactory)
    title = factory.Sequence(lambda n: f"Video {n}")
    visibility = Video.Visibility.PUBLIC
    status = Video.Status.READY
    duration = 10.0
    width = 320
    height = 180
    fps = 25.0
    video_codec = "h264"
    audio_codec = "aac"
    master_playlist = "master.m3u8"
    poster = "poster.jpg"
    sprite = "sprite.jpg"
    sprite_columns = 5
    sprite_interval = 1.0

    @factory.post_generation
    def renditions(obj, create, extracted, **kwargs):
        if create and obj.status == Video.Status.READY:
            Rendition.objects.create(
                video=obj, name="240p", width=320, height=180, video_bitrate=400, audio_bitrate=64,
                status=Rendition.Status.READY, progress=100, playlist="240p.m3u8",
            )  # fmt: skip
            Upload.objects.create(video=obj, size=1000, offset=1000, status=Upload.Status.COMPLETE)


def with_files(video: Video) -> Video:
    """Write small stand-ins for a processed video's files under VIDEO_ROOT."""
    out = output_dir(video.pk)
    out.mkdir(parents=True, exist_ok=True)
    (out / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=464000,RESOLUTION=320x180\n240p.m3u8\n")
    (out / "240p.m3u8").write_text("#EXTM3U\n")
    (out / "240p_0000.ts").write_bytes(bytes(range(256)) * 4)
    return video
