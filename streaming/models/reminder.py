"""A viewer's wish to hear when a scheduled stream is about to start."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class StreamReminder(BaseModel):
    """``user`` follows the scheduled ``stream`` for a reminder.

    The beat task ``streaming.stream_reminders_send`` sends ``stream_reminder`` shortly before
    ``scheduled_at`` and stamps ``reminded_at`` (so once). Reminder holders who do not follow the
    streamer also get the go-live notification.
    """

    stream = models.ForeignKey("streaming.LiveStream", on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_reminders")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "user"], name="streaming_reminder_once")]

    def __str__(self) -> str:
        return f"reminder {self.stream_id} for {self.user_id}"
