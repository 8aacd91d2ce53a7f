"""Removing the local ingest's files of streams that are over (``STREAM_ROOT/<stream id>/``).

The local ingest writes a stream's HLS under ``STREAM_ROOT/<id>/`` and nothing removed it once the
stream ended. :func:`stream_files_cleanup` (Celery beat ``streaming.stream_files_cleanup``, hourly,
and ``manage.py stream_files_cleanup [--dry-run]``) removes a directory when:

- its stream has ended, ``STREAMING_LOCAL_FILES_RETENTION_HOURS`` ago (24 h: live-to-VOD players
  finish what they started), and its recording is settled: not recorded, never went live, the
  recording video exists (whatever its state), or, recorded without a video,
  ``STREAMING_RECORDING_GIVE_UP_HOURS`` after the end (72 h): the recording is built once, right
  after the end (and on IVS's event); still missing that long after, it failed for good, and the
  files are kept until then so an operator can look and re-run it;
- its stream was deleted (the delete removes the files after commit; this catches a failure);
- no stream has its id (an orphan) and nothing in it changed for the retention period.

It never touches a scheduled or live stream's directory, anything whose name is not a stream id,
or a symlink (it looks only at real directories directly under ``STREAM_ROOT`` and never follows
a link: ``shutil.rmtree`` removes links inside a directory without following them). Running it
twice has the effect of running it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from streaming.models import LiveStream
from streaming.selectors.streams import stream_dir

logger = logging.getLogger(__name__)

Status = LiveStream.Status


@dataclass
class FilesCleanup:
    """What a cleanup removed (or, in a dry run, would remove): ``(stream id, reason)`` per
    directory, and how many stream directories it kept for now."""

    removed: list[tuple[str, str]] = field(default_factory=list)
    kept: int = 0


def _modified_at(path: Path) -> dt.datetime:
    """The latest change of ``path`` or of a file directly in it (without following links)."""
    latest = path.lstat().st_mtime
    for child in path.iterdir():
        latest = max(latest, child.lstat().st_mtime)
    return dt.datetime.fromtimestamp(latest, tz=dt.UTC)


def _reason_to_remove(*, stream: LiveStream | None, path: Path, now: dt.datetime) -> str | None:
    retention = dt.timedelta(hours=settings.STREAMING_LOCAL_FILES_RETENTION_HOURS)
    if stream is None:
        return "orphan" if _modified_at(path) <= now - retention else None
    if stream.status != Status.ENDED:
        return None
    if stream.deleted_at is not None:
        return "deleted"
    ended_at = stream.ended_at or stream.updated_at
    if ended_at > now - retention:
        return None
    if not stream.record or stream.started_at is None:
        return "ended"
    if stream.recording_video_id:
        return "recorded"
    give_up = dt.timedelta(hours=settings.STREAMING_RECORDING_GIVE_UP_HOURS)
    if ended_at <= now - max(retention, give_up):
        return "recording never built"
    return None


def stream_files_cleanup(*, now: dt.datetime | None = None, dry_run: bool = False) -> FilesCleanup:
    """Remove the directories under ``STREAM_ROOT`` of streams that are over (rules in the module
    docstring); with ``dry_run`` only say which. Returns what was (or would be) removed."""
    now = now or timezone.now()
    result = FilesCleanup()
    root = Path(settings.STREAM_ROOT)
    if not root.is_dir():
        return result
    candidates: dict[uuid.UUID, Path] = {}
    for entry in root.iterdir():
        if entry.is_symlink() or not entry.is_dir():
            continue
        try:
            stream_id = uuid.UUID(entry.name)
        except ValueError:
            continue
        if str(stream_id) == entry.name and stream_dir(stream_id) == entry:
            candidates[stream_id] = entry
    streams = {stream.pk: stream for stream in LiveStream.all_objects.filter(pk__in=candidates)}
    for stream_id, path in sorted(candidates.items()):
        reason = _reason_to_remove(stream=streams.get(stream_id), path=path, now=now)
        if reason is None:
            result.kept += 1
            continue
        result.removed.append((str(stream_id), reason))
        if not dry_run:
            shutil.rmtree(path, ignore_errors=True)
            logger.info("stream files of %s removed (%s)", stream_id, reason)
    return result
