"""Streaming's admin screens (the chat logs and platform bans are added by the chat part)."""

from streaming.admin import streams  # noqa: F401 - registers the stream admin
