"""Streaming's admin screens: streams (end with a reason), and the chat's logs, bans, timeouts,
channel moderators and moderation log."""

from streaming.admin import chat, streams  # noqa: F401 - registers the admin screens
