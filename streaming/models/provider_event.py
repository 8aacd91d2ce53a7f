"""Events from the ingest provider (IVS through EventBridge), kept once each by event id."""

from __future__ import annotations

from django.db import models

from core.models import BaseModel


class StreamProviderEvent(BaseModel):
    """One EventBridge event about an IVS channel. A repeated delivery (same ``event_id``) does nothing."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored (stale, out of order or unknown channel)"

    event_id = models.CharField(max_length=100, unique=True)
    stream = models.ForeignKey(
        "streaming.LiveStream", null=True, blank=True, on_delete=models.SET_NULL, related_name="provider_events"
    )
    channel_arn = models.CharField(max_length=300, db_index=True)
    detail_type = models.CharField(max_length=100)
    event_name = models.CharField(max_length=100)
    event_time = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    payload = models.JSONField()

    def __str__(self) -> str:
        return f"{self.event_name} {self.channel_arn} ({self.outcome})"
