"""What every transcoding backend shares: the ladder, probe results, media errors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    name: str
    height: int
    video_bitrate: int  # kbit/s
    audio_bitrate: int  # kbit/s


LADDER = (
    Rung("240p", 240, 400, 64),
    Rung("360p", 360, 800, 96),
    Rung("480p", 480, 1400, 128),
    Rung("720p", 720, 2800, 128),
    Rung("1080p", 1080, 5000, 192),
)


def even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def ladder_for(*, width: int, height: int) -> list[tuple[Rung, int, int]]:
    """The rungs not above the source, each with its output width and height (even, aspect kept).

    A rung names the shorter side (a portrait 720x1280 source is "720p"); the lowest rung is always
    made, scaled down to the source when the source is smaller.
    """
    short = min(width, height)
    rungs = [rung for rung in LADDER if rung.height <= short] or [LADDER[0]]
    sizes = []
    for rung in rungs:
        scale = min(rung.height, even(short)) / short
        sizes.append((rung, even(width * scale), even(height * scale)))
    return sizes


@dataclass(frozen=True)
class ProbeResult:
    duration: float
    width: int
    height: int
    fps: float
    video_codec: str
    audio_codec: str


class MediaError(Exception):
    """A file could not be read or written as media. ``code`` is stable."""

    def __init__(self, message: str, *, code: str) -> None:
        self.code = code
        super().__init__(message)
