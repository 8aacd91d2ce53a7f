"""Transcoding backends, chosen by ``settings.VIDEO_BACKEND``.

A backend probes a source file and writes renditions, a poster and a sprite. The pipeline
(``content.services.video_pipeline``) owns the state; backends only turn files into files.
"""

from __future__ import annotations

from django.conf import settings

from content.transcoding.base import LADDER, MediaError, ProbeResult, Rung, ladder_for


def get_backend():
    if settings.VIDEO_BACKEND == "local":
        from content.transcoding.local import LocalBackend

        return LocalBackend()
    if settings.VIDEO_BACKEND == "mediaconvert":
        from content.transcoding.mediaconvert import MediaConvertBackend

        return MediaConvertBackend()
    raise NotImplementedError(f"VIDEO_BACKEND={settings.VIDEO_BACKEND!r} is not available")


__all__ = ["LADDER", "MediaError", "ProbeResult", "Rung", "get_backend", "ladder_for"]
