"""Streaming's models: live streams, chat, viewers and their metrics."""

from streaming.models.chat import ChannelModerator, ChatBan, ChatModerationLog, ChatTimeout, StreamChat
from streaming.models.provider_event import StreamProviderEvent
from streaming.models.reminder import StreamReminder
from streaming.models.stream import LiveStream
from streaming.models.tip import StreamTip
from streaming.models.viewer import StreamViewer

__all__ = [
    "ChannelModerator",
    "ChatBan",
    "ChatModerationLog",
    "ChatTimeout",
    "LiveStream",
    "StreamChat",
    "StreamProviderEvent",
    "StreamReminder",
    "StreamTip",
    "StreamViewer",
]
