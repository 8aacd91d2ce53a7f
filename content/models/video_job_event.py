"""Notifications from a transcoding service, kept once each so a repeated delivery does nothing."""

from __future__ import annotations

from django.db import models

from core.models import BaseModel


class VideoJobEvent(BaseModel):
    """One EventBridge event about a MediaConvert job, by its event id (unique)."""

    event_id = models.CharField(max_length=100, unique=True)
    job_id = models.CharField(max_length=100, db_index=True)
    status = models.CharField(max_length=30)
    payload = models.JSONField()

    def __str__(self) -> str:
        return f"{self.job_id} {self.status}"
