"""Where local mode keeps a video's files: ``VIDEO_ROOT/<video id>/``.

The directory is outside ``MEDIA_ROOT`` on purpose: files are served only by the playback view,
after the access checks.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def video_dir(video_id) -> Path:
    return Path(settings.VIDEO_ROOT) / str(video_id)


def source_path(video_id) -> Path:
    return video_dir(video_id) / "source"


def output_dir(video_id) -> Path:
    return video_dir(video_id) / "hls"


def output_file(video_id, name: str) -> Path | None:
    """The output file ``name`` (``720p_0001.ts``), or None if it escapes the directory or is missing."""
    base = output_dir(video_id).resolve()
    path = (base / name).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path
