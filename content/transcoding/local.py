"""The local backend: the ffmpeg binary of the imageio-ffmpeg wheel, HLS (H.264/AAC) on disk."""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
from django.conf import settings

from content.transcoding.base import MediaError, ProbeResult, Rung

DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
VIDEO_STREAM = re.compile(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})[, \[]")
FPS = re.compile(r"([\d.]+) (?:fps|tbr)")
AUDIO_STREAM = re.compile(r"Stream #\S+.*?: Audio: (\w+)")
OUT_TIME = re.compile(r"out_time_us=(\d+)")

SEGMENT_SECONDS = 4
SPRITE_COLUMNS = 5
SPRITE_THUMB_WIDTH = 160


def ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


# Linux: an ffmpeg whose worker is killed (kill -9) dies with it, instead of writing on into files
# the next run of the job writes too. Loaded before any fork: the child only calls prctl.
_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" else None


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    if _libc is None:
        return None

    def preexec() -> None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl
            os._exit(1)

    return preexec


def rendition_command(*, source: Path, out_dir: Path, rung: Rung, width: int, height: int) -> list[str]:
    """The ffmpeg command for one rung; the benchmark runs exactly this without the pipeline."""
    return [
        ffmpeg(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats",
        *settings.VIDEO_FFMPEG_INPUT_OPTIONS, "-i", str(source),
        "-map", "0:v:0", "-map", "0:a:0?",
        "-vf", f"scale={width}:{height}",
        "-c:v", "libx264", "-preset", settings.VIDEO_X264_PRESET, "-profile:v", "main", "-pix_fmt", "yuv420p",
        "-b:v", f"{rung.video_bitrate}k", "-maxrate", f"{rung.video_bitrate * 3 // 2}k",
        "-bufsize", f"{rung.video_bitrate * 2}k",
        "-g", "48", "-keyint_min", "48", "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", f"{rung.audio_bitrate}k", "-ac", "2",
        "-threads", str(settings.VIDEO_FFMPEG_THREADS),
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
        "-hls_segment_filename", str(out_dir / f"{rung.name}_%04d.ts"),
        str(out_dir / f"{rung.name}.m3u8"),
    ]  # fmt: skip


class LocalBackend:
    name = "local"

    def probe(self, *, source: Path) -> ProbeResult:
        """Duration, size, frame rate and codecs, read from ``ffmpeg -i``; MediaError if not a video."""
        result = subprocess.run(  # noqa: S603 (fixed binary, no shell)
            [ffmpeg(), "-hide_banner", "-nostdin", "-i", str(source)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        output = result.stderr
        video = VIDEO_STREAM.search(output)
        duration = DURATION.search(output)
        if video is None or duration is None:
            raise MediaError("The file is not a video ffmpeg can read.", code="unsupported_media")
        hours, minutes, seconds = duration.groups()
        total = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        if total <= 0:
            raise MediaError("The file has no playable duration.", code="unsupported_media")
        line = output[video.start() : output.find("\n", video.start())]
        fps = FPS.search(line)
        audio = AUDIO_STREAM.search(output)
        return ProbeResult(
            duration=round(total, 3),
            width=int(video.group(2)),
            height=int(video.group(3)),
            fps=float(fps.group(1)) if fps else 0.0,
            video_codec=video.group(1),
            audio_codec=audio.group(1) if audio else "",
        )

    def transcode(
        self,
        *,
        source: Path,
        out_dir: Path,
        rung: Rung,
        width: int,
        height: int,
        duration: float,
        on_progress: Callable[[int], None],
    ) -> str:
        """Write ``<rung>.m3u8`` and its segments into ``out_dir``; returns the playlist's file name."""
        out_dir.mkdir(parents=True, exist_ok=True)
        command = rendition_command(source=source, out_dir=out_dir, rung=rung, width=width, height=height)
        with subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_die_with_parent(os.getpid())
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                match = OUT_TIME.match(line)
                if match and duration > 0:
                    on_progress(min(99, int(int(match.group(1)) / 1_000_000 / duration * 100)))
            stderr = process.stderr.read() if process.stderr else ""
            process.wait()
        if process.returncode != 0:
            raise MediaError(
                f"ffmpeg exited with {process.returncode}: {stderr.strip()[-500:]}", code="transcode_failed"
            )
        return f"{rung.name}.m3u8"

    def poster(self, *, source: Path, out_dir: Path, duration: float, at: float | None = None) -> str:
        """The poster: the frame at ``at`` seconds (by default a third in, at most 5 s)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        at = min(duration / 3, 5.0) if at is None else max(0.0, min(at, max(duration - 0.05, 0.0)))
        self._run([ffmpeg(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-ss", f"{at:.3f}", "-i", str(source),
                   "-frames:v", "1", "-q:v", "3", str(out_dir / "poster.jpg")])  # fmt: skip
        return "poster.jpg"

    def sprite(self, *, source: Path, out_dir: Path, duration: float) -> tuple[str, int, float]:
        """A JPEG grid of thumbnails, one every ``interval`` seconds (at most 100 in all)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        interval = max(1.0, math.ceil(duration / 100))
        count = max(1, math.ceil(duration / interval))
        rows = math.ceil(count / SPRITE_COLUMNS)
        self._run([ffmpeg(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", str(source),
                   "-vf", f"fps=1/{interval},scale={SPRITE_THUMB_WIDTH}:-2,tile={SPRITE_COLUMNS}x{rows}",
                   "-frames:v", "1", "-q:v", "5", str(out_dir / "sprite.jpg")])  # fmt: skip
        return "sprite.jpg", SPRITE_COLUMNS, interval

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=600, check=False, preexec_fn=_die_with_parent(os.getpid())
        )
        if result.returncode != 0:
            raise MediaError(
                f"ffmpeg exited with {result.returncode}: {result.stderr.strip()[-500:]}", code="image_failed"
            )


def master_playlist(*, variants: list[tuple[str, int, int, int]]) -> str:
    """An HLS master playlist; ``variants``: (playlist file, width, height, bandwidth in bit/s)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for playlist, width, height, bandwidth in variants:
        lines.append(
            f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={width}x{height},CODECS="avc1.4d401f,mp4a.40.2"'
        )
        lines.append(playlist)
    return "\n".join(lines) + "\n"


def generated_clip(path: Path, *, source: str = "testsrc", size: str = "640x360", seconds: int = 3) -> Path:
    """An H.264/AAC MP4 made from ffmpeg's test sources (testsrc, smptebars, ...) and a sine tone:
    demo data and benchmarks."""
    subprocess.run(  # noqa: S603
        [ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"{source}=size={size}:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return path
