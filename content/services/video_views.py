"""Views and watch time: heartbeats in, counted views and daily rollups out."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from accounts.models import User
from content.models import Video, VideoCountryDailyStat, VideoDailyStat, ViewEvent
from core.errors import ApplicationError

COUNT_AFTER_SECONDS = 5.0
COUNT_AFTER_FRACTION = 0.3
COUNT_WINDOW = dt.timedelta(hours=24)
RETENTION_POINTS = 21  # 0%, 5%, ... 100%


def viewer_key_for(*, user: User | None, client_id: str | None) -> str:
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if client_id:
        return f"anon:{client_id}"
    raise ApplicationError("An anonymous viewer sends a client_id.", code="client_id_required")


def view_heartbeat_record(
    *,
    video: Video,
    user: User | None,
    client_id: str | None,
    session: uuid.UUID,
    position: float,
    watched: float,
    country: str = "",
) -> ViewEvent:
    """Record a heartbeat (``watched``: seconds watched in this session so far; ``position``: where
    the playhead is). The session becomes a view once it reaches 5 seconds or 30% of the video,
    unless this viewer already has a view of this video in the last 24 hours."""
    viewer_key = viewer_key_for(user=user, client_id=client_id)
    duration = video.duration or 0
    position = max(0.0, min(position, duration)) if duration else max(0.0, position)
    watched = max(0.0, watched)
    threshold = min(COUNT_AFTER_SECONDS, COUNT_AFTER_FRACTION * duration) if duration else COUNT_AFTER_SECONDS
    now = timezone.now()
    with transaction.atomic():
        # One viewer's heartbeats on one video are decided one at a time.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"view:{video.pk}:{viewer_key}"])
        recent = ViewEvent.objects.filter(video=video, viewer_key=viewer_key, created_at__gte=now - COUNT_WINDOW)
        previous = recent.filter(session=session).aggregate(watched=Max("watched"))
        counted = watched >= threshold and not recent.filter(counted=True).exists()
        delta = max(0.0, watched - (previous["watched"] or 0.0))
        event = ViewEvent.objects.create(
            video=video,
            user=user if user is not None and user.is_authenticated else None,
            viewer_key=viewer_key,
            session=session,
            position=position,
            watched=watched,
            country=(country or "")[:2].upper(),
            counted=counted,
            created_at=now,
        )
        Video.objects.filter(pk=video.pk).update(
            view_count=F("view_count") + (1 if counted else 0), watch_seconds=F("watch_seconds") + delta
        )
    return event


def video_stats_rollup(*, day: dt.date) -> int:
    """Aggregate one UTC day of view events into daily rows (views, unique viewers, sessions, watch
    seconds, average view duration, retention every 5%) and per-country rows. Running it again
    replaces the day's rows. Returns the number of videos rolled up."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    events = ViewEvent.objects.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
    sessions = events.values("video_id", "session").annotate(
        watched=Max("watched"),
        reached=Max("position"),
        country=Max("country"),
        views=Count("id", filter=Q(counted=True)),
    )
    viewers = events.filter(counted=True).values("video_id").annotate(unique=Count("viewer_key", distinct=True))
    unique = {row["video_id"]: row["unique"] for row in viewers}
    per_video: dict[Any, list[dict]] = defaultdict(list)
    for row in sessions:
        per_video[row["video_id"]].append(row)
    durations = dict(Video.all_objects.filter(pk__in=per_video).values_list("pk", "duration"))
    with transaction.atomic():
        for video_id, rows in per_video.items():
            duration = durations.get(video_id) or 0
            watch = sum(row["watched"] for row in rows)
            retention = []
            if duration:
                for point in range(RETENTION_POINTS):
                    mark = duration * point * 5 / 100
                    reached = sum(1 for row in rows if row["reached"] >= mark - 0.5)
                    retention.append(round(100 * reached / len(rows), 1))
            VideoDailyStat.objects.update_or_create(
                video_id=video_id,
                day=day,
                defaults={
                    "views": sum(row["views"] for row in rows),
                    "unique_viewers": unique.get(video_id, 0),
                    "sessions": len(rows),
                    "watch_seconds": round(watch, 1),
                    "average_view_duration": round(watch / len(rows), 1),
                    "retention": retention,
                },
            )
            by_country: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
            for row in rows:
                by_country[row["country"]][0] += row["views"]
                by_country[row["country"]][1] += row["watched"]
            VideoCountryDailyStat.objects.filter(video_id=video_id, day=day).delete()
            VideoCountryDailyStat.objects.bulk_create(
                [
                    VideoCountryDailyStat(video_id=video_id, day=day, country=c, views=v, watch_seconds=round(w, 1))
                    for c, (v, w) in sorted(by_country.items())
                ]
            )
    return len(per_video)
