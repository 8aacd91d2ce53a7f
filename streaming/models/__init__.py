"""Streaming's models: live streams (this package), chat, viewers and their metrics."""

from streaming.models.provider_event import StreamProviderEvent
from streaming.models.reminder import StreamReminder
from streaming.models.stream import LiveStream

__all__ = ["LiveStream", "StreamProviderEvent", "StreamReminder"]
