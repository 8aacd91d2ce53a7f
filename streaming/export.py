"""Streaming's sections of a user's data export (accounts/export.py). Stream keys are left out."""

from accounts.export import register
from streaming.models import LiveStream, StreamReminder


def _streams(user) -> list[dict]:
    return [
        {
            "id": stream.id,
            "title": stream.title,
            "description": stream.description,
            "tags": stream.tags,
            "visibility": stream.visibility,
            "status": stream.status,
            "scheduled_at": stream.scheduled_at,
            "started_at": stream.started_at,
            "ended_at": stream.ended_at,
            "record": stream.record,
            "recording_video": stream.recording_video_id,
            "peak_viewers": stream.peak_viewers,
            "unique_viewers": stream.unique_viewers,
            "created_at": stream.created_at,
        }
        for stream in LiveStream.objects.filter(owner=user).order_by("created_at")
    ]


def _reminders(user) -> list[dict]:
    reminders = StreamReminder.objects.filter(user=user, stream__deleted_at__isnull=True).order_by("created_at")
    return [{"stream": reminder.stream_id, "created_at": reminder.created_at} for reminder in reminders]


register("live_streams", _streams)
register("stream_reminders", _reminders)
