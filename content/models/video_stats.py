"""Daily rollups of view events, per video, and per video and country."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from core.models import BaseModel


class VideoDailyStat(BaseModel):
    """One video's day. ``retention[i]``: percent of sessions that reached i*5% of the duration."""

    video = models.ForeignKey("content.Video", on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    watch_seconds = models.FloatField(default=0)
    average_view_duration = models.FloatField(default=0, help_text="Watch seconds per session.")
    retention = ArrayField(models.FloatField(), default=list, blank=True, size=21)

    class Meta(BaseModel.Meta):
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["video", "day"], name="content_videodailystat_day")]


class VideoCountryDailyStat(BaseModel):
    video = models.ForeignKey("content.Video", on_delete=models.CASCADE, related_name="country_stats")
    day = models.DateField()
    country = models.CharField(max_length=2, help_text="Empty when unknown.", blank=True)
    views = models.PositiveIntegerField(default=0)
    watch_seconds = models.FloatField(default=0)

    class Meta(BaseModel.Meta):
        ordering = ["day", "country"]
        constraints = [models.UniqueConstraint(fields=["video", "day", "country"], name="content_videocountrystat_day")]
