"""Streaming's models: live streams (this package), chat, viewers and their metrics."""

from streaming.models.stream import LiveStream

__all__ = ["LiveStream"]
