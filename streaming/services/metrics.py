"""Live metrics of a stream (concurrent viewers, peak, chat rate) and the summary kept when it ends.

Everything is computed from the database (and the cache for who broadcasts), never from one
process's memory, so every process of a scaled-out deployment reports the same figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from streaming.models import LiveStream, StreamChat, StreamViewer
from streaming.services.viewers import viewers_sweep


def metrics_interval() -> float:
    """Seconds between ``metrics`` events pushed to a room (5 by default)."""
    return float(getattr(settings, "STREAMING_METRICS_INTERVAL", 5))


def stream_metrics(*, stream: LiveStream, now: dt.datetime | None = None) -> dict[str, Any]:
    """Concurrent viewers now, the peak so far (raised here when passed), and chat messages in the
    last minute and in all. Sweeps viewers gone silent first."""
    now = now or timezone.now()
    viewers_sweep(stream=stream, now=now)
    concurrent = StreamViewer.objects.filter(
        stream=stream, created_at__gte=stream.created_at, left_at__isnull=True
    ).count()
    with transaction.atomic():
        LiveStream.all_objects.filter(pk=stream.pk, peak_viewers__lt=concurrent).update(
            peak_viewers=Greatest("peak_viewers", concurrent)
        )
    peak = LiveStream.all_objects.values_list("peak_viewers", flat=True).get(pk=stream.pk)
    per_minute = StreamChat.all_objects.filter(
        stream=stream, kind=StreamChat.Kind.MESSAGE, created_at__gte=now - dt.timedelta(minutes=1)
    ).count()
    from streaming.services.tips import stream_tip_totals

    return {
        "stream_id": str(stream.pk),
        "status": stream.status,
        "viewers": concurrent,
        "peak_viewers": max(peak, concurrent),
        "chat_messages_per_minute": per_minute,
        "tips": stream_tip_totals(stream=stream),
        "at": now.isoformat(),
    }


def stream_metrics_if_due(*, stream_id: Any) -> dict[str, Any] | None:
    """The metrics of ``stream_id`` if no process has published them in this interval, else None.

    Every process hosting sockets of the room calls this each interval; ``cache.add`` (atomic in
    Redis) lets exactly one of them compute and broadcast.
    """
    interval = metrics_interval()
    slot = int(timezone.now().timestamp() // interval)
    if not cache.add(f"streaming:metrics:{stream_id}:{slot}", 1, timeout=max(1, int(interval * 2))):
        return None
    stream = LiveStream.objects.filter(pk=stream_id).first()
    if stream is None or stream.status != LiveStream.Status.LIVE:
        return None
    return stream_metrics(stream=stream)


def _peak_concurrency(intervals: list[tuple[dt.datetime, dt.datetime]]) -> int:
    events: list[tuple[dt.datetime, int]] = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    # At the same instant a leave counts before a join.
    events.sort(key=lambda e: (e[0], e[1]))
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


@transaction.atomic
def stream_summary_finalize(*, stream: LiveStream) -> LiveStream:
    """Close every viewing session and write the ended stream's summary into its fields:
    peak and average concurrent viewers, total watch seconds, unique viewers and chat messages.

    The average is total watch time over the stream's duration (``started_at`` to ``ended_at``).
    Running it twice gives the same summary.
    """
    stream = LiveStream.all_objects.select_for_update().get(pk=stream.pk)
    ended = stream.ended_at or timezone.now()
    viewers_sweep(stream=stream, now=ended, everyone=True)
    rows = StreamViewer.objects.filter(stream=stream, created_at__gte=stream.created_at)
    totals = rows.aggregate(watch=Sum("watch_seconds"), unique=Count("viewer_key", distinct=True), last=Max("left_at"))
    intervals = [(joined, left or ended) for joined, left in rows.values_list("created_at", "left_at")]
    started = stream.started_at or (min((i[0] for i in intervals), default=ended))
    duration = max(0.0, (ended - started).total_seconds())
    total_watch = float(totals["watch"] or 0)
    stream.peak_viewers = max(stream.peak_viewers, _peak_concurrency(intervals))
    stream.total_watch_seconds = round(total_watch, 1)
    stream.average_viewers = round(total_watch / duration, 2) if duration else 0.0
    stream.unique_viewers = totals["unique"] or 0
    stream.chat_messages_count = StreamChat.all_objects.filter(stream=stream, kind=StreamChat.Kind.MESSAGE).count()
    stream.save(
        update_fields=[
            "peak_viewers",
            "total_watch_seconds",
            "average_viewers",
            "unique_viewers",
            "chat_messages_count",
            "updated_at",
        ]
    )
    return stream
