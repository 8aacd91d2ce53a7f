"""Bring existing IVS channels' playback authorization in line with their streams' visibility.

Streams keep their channel's ``authorized`` flag right as they are created and changed
(``streaming.services.streams``). This catches the rest: channels made before private playback
existed (every one ``authorized: false``), and a change whose database commit failed after IVS had
already applied it. ``manage.py ivs_channels_sync_authorization`` runs it; running it twice has the
effect of running it once.
"""

from __future__ import annotations

import logging

from core.errors import ConflictError
from streaming.models import LiveStream
from streaming.providers import ivs
from streaming.selectors.playback import stream_needs_playback_token

logger = logging.getLogger(__name__)


def ivs_channels_authorization_sync(*, dry_run: bool = False) -> dict[str, int]:
    """For every scheduled or live IVS stream, set its channel's ``authorized`` flag to what its
    visibility needs (``list_channels`` once, then ``update_channel`` for each mismatch).

    Counts: ``protected`` (turned on), ``opened`` (turned off), ``live`` (a mismatch IVS cannot
    change while the channel is live: run again after the stream), ``missing`` (no such channel).
    """
    counts = {"protected": 0, "opened": 0, "live": 0, "missing": 0}
    streams = LiveStream.objects.filter(
        provider=LiveStream.Provider.IVS, status__in=[LiveStream.Status.SCHEDULED, LiveStream.Status.LIVE]
    ).exclude(ivs_channel_arn="")
    if not streams.exists():
        return counts
    flags = ivs.channel_authorizations()
    for stream in streams.order_by("pk"):
        if stream.ivs_channel_arn not in flags:
            counts["missing"] += 1
            continue
        wanted = stream_needs_playback_token(stream=stream)
        if flags[stream.ivs_channel_arn] == wanted:
            continue
        if stream.status == LiveStream.Status.LIVE:
            counts["live"] += 1
            continue
        if not dry_run:
            try:
                ivs.channel_set_authorized(channel_arn=stream.ivs_channel_arn, authorized=wanted)
            except ConflictError:  # it went live since we read it
                counts["live"] += 1
                continue
            logger.info("stream %s: IVS playback authorization %s", stream.pk, "on" if wanted else "off")
        counts["protected" if wanted else "opened"] += 1
    return counts
