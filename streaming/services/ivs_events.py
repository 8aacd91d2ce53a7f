"""IVS stream state from EventBridge: verified, deduplicated by event id, and never backwards.

EventBridge delivers "IVS Stream State Change" events (``detail.event_name`` "Stream Start",
"Stream End", "Stream Failure", "Session Created") and "IVS Recording State Change" events
(``detail.recording_status`` "Recording Start", "Recording End", "Recording Start Failure",
"Recording End Failure") to ``POST /api/v1/streams/ivs/events/`` through an API destination
whose connection sends ``X-Fanfare-Events-Token``. Deliveries may repeat, arrive late or out of
order: every event id is kept once (a repeat is ``duplicate``), and an event is ``ignored`` when
applying it would move the stream backwards (a "Stream Start" after the stream ended, a "Stream
End" older than the start we know of). What events miss, the reconciler fixes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from core.errors import ApplicationError
from core.eventbridge import events_token_check
from streaming.models import LiveStream, StreamProviderEvent
from streaming.services.streams import stream_go_live, stream_mark_ended

SOURCE = "aws.ivs"
STREAM_STATE = "IVS Stream State Change"
RECORDING_STATE = "IVS Recording State Change"


def _parse(event: dict[str, Any]) -> tuple[str, str, str, str, dt.datetime, dict]:
    detail = event.get("detail")
    resources = event.get("resources") or []
    if event.get("source") != SOURCE or event.get("detail-type") not in {STREAM_STATE, RECORDING_STATE}:
        raise ApplicationError("Not an IVS stream or recording state change.", code="unsupported_event")
    if not isinstance(detail, dict) or not resources or not event.get("id"):
        raise ApplicationError("The event has no id, channel or detail.", code="unsupported_event")
    when = parse_datetime(str(event.get("time", "")))
    if when is None:
        raise ApplicationError("The event has no time.", code="unsupported_event")
    name = detail.get("event_name") if event["detail-type"] == STREAM_STATE else detail.get("recording_status")
    return str(event["id"]), str(event["detail-type"]), str(resources[0]), str(name or ""), when, detail


def ivs_event_handle(*, event: dict[str, Any], token: str) -> str:
    """Apply one EventBridge event: returns ``applied``, ``ignored`` or ``duplicate``.

    403 ``invalid_token`` for a missing or wrong token; 400 ``unsupported_event`` for anything else
    than an IVS stream or recording state change.
    """
    events_token_check(token=token, expected=settings.IVS_EVENTS_TOKEN)
    event_id, detail_type, channel_arn, name, when, detail = _parse(event)
    with transaction.atomic():
        stream = LiveStream.all_objects.select_for_update().filter(ivs_channel_arn=channel_arn).first()
        try:
            with transaction.atomic():
                record = StreamProviderEvent.objects.create(
                    event_id=event_id, stream=stream, channel_arn=channel_arn, detail_type=detail_type,
                    event_name=name, event_time=when, outcome=StreamProviderEvent.Outcome.IGNORED, payload=event,
                )  # fmt: skip
        except IntegrityError:
            return "duplicate"
        applied = stream is not None and stream.deleted_at is None and _apply(stream, detail_type, name, when, detail)
        if applied:
            record.outcome = StreamProviderEvent.Outcome.APPLIED
            record.save(update_fields=["outcome", "updated_at"])
    return "applied" if applied else "ignored"


def _apply(stream: LiveStream, detail_type: str, name: str, when: dt.datetime, detail: dict) -> bool:
    if detail_type == RECORDING_STATE:
        if name != "Recording End" or not detail.get("recording_s3_key_prefix"):
            return False
        stream.extra_metadata["ivs_recording"] = {
            "bucket": detail.get("recording_s3_bucket_name", ""),
            "prefix": detail["recording_s3_key_prefix"],
            "duration_ms": detail.get("recording_duration_ms"),
        }
        stream.save(update_fields=["extra_metadata", "updated_at"])
        if stream.status == LiveStream.Status.ENDED and stream.record:
            from core import side_effects
            from streaming import tasks

            side_effects.enqueue_task(tasks.stream_recording_build_task, str(stream.pk))
        return True
    if name == "Stream Start":
        if stream.status != LiveStream.Status.SCHEDULED:
            return False  # already live, or a late start after the end: never backwards
        stream_go_live(stream_id=stream.pk, at=when)
        return True
    if name in {"Stream End", "Stream Failure"}:
        if stream.status == LiveStream.Status.ENDED:
            return False
        if stream.status == LiveStream.Status.LIVE and stream.started_at and when < stream.started_at:
            return False  # an end older than the start we know of
        if stream.status == LiveStream.Status.SCHEDULED:
            # The start never reached us: it did go live, and it is over.
            stream_go_live(stream_id=stream.pk, at=when)
        stream_mark_ended(stream_id=stream.pk, at=when, reason=f"IVS: {name}")
        return True
    return False  # Session Created and others: kept, nothing to change
