"""What the local RTMP ingest (``manage.py rtmp_ingest``) asks of the platform.

The ingest is an interface like a view: it calls these (through ``sync_to_async``) and decides
nothing itself. A wrong key is refused with 403 ``invalid_stream_key``; the key never appears in
a log line or an error message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import ConflictError, PermissionDeniedError
from streaming.models import LiveStream
from streaming.selectors.streams import stream_by_key
from streaming.services.streams import stream_go_live, stream_mark_ended

logger = logging.getLogger(__name__)


def ingest_publish_start(*, stream_key: str) -> LiveStream:
    """Authorize a publish with ``stream_key`` and mark the stream live.

    403 ``invalid_stream_key`` for an unknown key (rotated, deleted, IVS-provider or never made),
    409 ``stream_ended`` for a stream that is over, 409 ``already_live`` when the creator has
    another live stream. A stream already live (the ingest restarted) stays live.
    """
    stream = stream_by_key(stream_key=stream_key)
    if stream is None or stream.provider != LiveStream.Provider.LOCAL:
        logger.warning("ingest: publish refused (unknown stream key)")
        raise PermissionDeniedError("Unknown stream key.", code="invalid_stream_key")
    if stream.status == LiveStream.Status.ENDED:
        logger.warning("ingest: publish refused for stream %s (ended)", stream.pk)
        raise ConflictError("This stream has ended; create a new one.", code="stream_ended")
    if stream.status == LiveStream.Status.LIVE:
        return stream
    return stream_go_live(stream_id=stream.pk, at=timezone.now())


def ingest_key_current(*, stream_id: Any, stream_key: str) -> bool:
    """Whether ``stream_key`` is still the stream's key and the stream still live (checked every few
    seconds by the ingest, so a rotated key stops a session at once)."""
    return LiveStream.objects.filter(pk=stream_id, stream_key=stream_key, status=LiveStream.Status.LIVE).exists()


def ingest_publish_stop(*, stream_id: Any) -> LiveStream | None:
    """The publisher stopped or disconnected: ``live → ended`` (nothing if it already ended)."""
    with transaction.atomic():
        status = LiveStream.all_objects.filter(pk=stream_id).values_list("status", flat=True).first()
        if status != LiveStream.Status.LIVE:
            return None
        return stream_mark_ended(stream_id=stream_id, reason="the publisher stopped")
