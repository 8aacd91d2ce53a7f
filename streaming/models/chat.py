"""Stream chat: messages, the streamer's chat moderators, bans, timeouts and the moderation log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.models import BaseModel, SoftDeleteModel


class StreamChat(SoftDeleteModel):
    """One line in a stream's chat. Written by ``streaming.services.chat`` only.

    ``kind``: ``message`` (a viewer's text), ``system`` (the platform's own line, no sender) and
    ``tip`` (billing's StreamDonation, published by billing's service through
    ``streaming.services.chat.chat_tip_publish``; ``payload`` holds its amount and donation id).
    A deleted line keeps its row (``deleted_at``, ``deleted_by``, ``deleted_reason``) for the
    moderators' logs; ``objects`` hides it from everyone else. A purged account's lines stay as
    deleted rows without text or sender (``chat_lines_of_sender_redact``): a ``message`` has a
    sender unless it is deleted.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        SYSTEM = "system", "System"
        TIP = "tip", "Tip"

    stream = models.ForeignKey("streaming.LiveStream", on_delete=models.CASCADE, related_name="chat_messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MESSAGE)
    text = models.TextField()
    mentions = ArrayField(models.CharField(max_length=30), default=list, blank=True, help_text="Handles, lower-cased.")
    payload = models.JSONField(default=dict, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta(SoftDeleteModel.Meta):
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["stream", "-id"], name="streaming_chat_stream_id"),
            models.Index(fields=["stream", "sender", "-id"], name="streaming_chat_stream_sender"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["message", "system", "tip"]), name="streaming_chat_kind_values"
            ),
            models.CheckConstraint(
                condition=~Q(kind="message") | Q(sender__isnull=False) | Q(deleted_at__isnull=False),
                name="streaming_chat_message_sender",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} in {self.stream_id}: {self.text[:40]}"


class ChannelModerator(BaseModel):
    """``moderator`` moderates the chat of every stream of ``streamer`` (appointed by the streamer)."""

    streamer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_moderators")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderates_chats")

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["streamer", "moderator"], name="streaming_chatmod_unique"),
            models.CheckConstraint(condition=~Q(streamer=models.F("moderator")), name="streaming_chatmod_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.moderator_id} moderates {self.streamer_id}"


class ChatBan(BaseModel):
    """``user`` may not read or write the chat of any stream of ``streamer`` until unbanned."""

    streamer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_bans")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["streamer", "user"], name="streaming_chatban_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} banned from {self.streamer_id}"


class ChatTimeout(BaseModel):
    """``user`` may read but not write in ``streamer``'s chats until ``until``."""

    streamer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["streamer", "user"], name="streaming_chattimeout_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} timed out in {self.streamer_id} until {self.until:%H:%M:%S}"


class ChatModerationLog(BaseModel):
    """Who did what to whom in a chat, why and when. Append-only; written by the chat services."""

    class Action(models.TextChoices):
        DELETE = "delete", "Deleted a message"
        TIMEOUT = "timeout", "Timed a user out"
        BAN = "ban", "Banned a user"
        UNBAN = "unban", "Unbanned a user"
        PIN = "pin", "Pinned a message"
        UNPIN = "unpin", "Unpinned a message"
        CLEAR = "clear", "Cleared the chat"
        SETTINGS = "settings", "Changed chat settings"
        MODERATOR_ADD = "moderator_add", "Appointed a moderator"
        MODERATOR_REMOVE = "moderator_remove", "Removed a moderator"

    streamer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stream = models.ForeignKey(
        "streaming.LiveStream", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(StreamChat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["stream", "-id"], name="streaming_modlog_stream"),
            models.Index(fields=["streamer", "-id"], name="streaming_modlog_streamer"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.target_user_id or ''}"
