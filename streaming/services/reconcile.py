"""The reconciler: asks each provider for the real state and fixes streams events got wrong.

Run by Celery beat (``streaming.streams_reconcile``, every two minutes) and ``manage.py
streams_reconcile``. Running it twice has the effect of running it once.

- IVS: ``list_streams`` gives every channel live now. A scheduled stream whose channel is live
  goes live (a missed or late "Stream Start"); a live stream whose channel is not in the list is
  checked once more with ``get_stream`` and, when IVS says it is not broadcasting, ended (a
  missed "Stream End").
- Local: a live stream whose HLS playlist has not changed for STREAMING_LOCAL_STALE_SECONDS is
  ended (the ingest process died without saying so).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from core.errors import ApplicationError
from streaming.models import LiveStream
from streaming.providers import ivs
from streaming.selectors.streams import stream_dir
from streaming.services.streams import stream_go_live, stream_mark_ended

logger = logging.getLogger(__name__)


def streams_reconcile(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Streams IVS or the local ingest say started or ended that Fanfare missed are started or
    ended; returns how many (with ``dry_run``, how many would be, changing nothing)."""
    now = now or timezone.now()
    counts = {"started": 0, "ended": 0}
    ivs_streams = LiveStream.objects.filter(
        provider=LiveStream.Provider.IVS, status__in=[LiveStream.Status.SCHEDULED, LiveStream.Status.LIVE]
    ).exclude(ivs_channel_arn="")
    if ivs_streams.exists():
        live = ivs.live_channels()
        for stream in ivs_streams:
            try:
                if stream.status == LiveStream.Status.SCHEDULED and stream.ivs_channel_arn in live:
                    if not dry_run:
                        stream_go_live(stream_id=stream.pk, at=live[stream.ivs_channel_arn].start_time or now)
                    counts["started"] += 1
                elif (
                    stream.status == LiveStream.Status.LIVE
                    and stream.ivs_channel_arn not in live
                    and ivs.channel_state(channel_arn=stream.ivs_channel_arn).state != "LIVE"
                ):
                    if not dry_run:
                        stream_mark_ended(stream_id=stream.pk, at=now, reason="reconciler: IVS says offline")
                    counts["ended"] += 1
            except ApplicationError as error:  # raced with an event: the event won
                logger.info("reconcile: stream %s left as is (%s)", stream.pk, error.code)
    stale = now - dt.timedelta(seconds=settings.STREAMING_LOCAL_STALE_SECONDS)
    for stream in LiveStream.objects.filter(provider=LiveStream.Provider.LOCAL, status=LiveStream.Status.LIVE):
        playlist = stream_dir(stream.pk) / "index.m3u8"
        changed = (
            dt.datetime.fromtimestamp(playlist.stat().st_mtime, tz=dt.UTC) if playlist.exists() else stream.started_at
        )
        if changed is None or changed < stale:
            try:
                if not dry_run:
                    stream_mark_ended(stream_id=stream.pk, at=now, reason="reconciler: the ingest stopped")
                counts["ended"] += 1
            except ApplicationError as error:
                logger.info("reconcile: stream %s left as is (%s)", stream.pk, error.code)
    if (counts["started"] or counts["ended"]) and not dry_run:
        logger.info("reconcile: %(started)s started, %(ended)s ended", counts)
    return counts
