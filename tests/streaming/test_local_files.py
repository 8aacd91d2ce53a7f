"""Removing the local ingest's files of streams that are over: real directories under a tmp
STREAM_ROOT, the service, the command (with --dry-run) and the beat task."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from core.ids import uuid7
from streaming import tasks
from streaming.models import LiveStream
from streaming.services.local_files import stream_files_cleanup
from tests.content.video_factories import VideoFactory
from tests.streaming.factories import LiveStreamFactory, stream_root

pytestmark = pytest.mark.django_db
stream_root = stream_root
S = LiveStream.Status
NOW = timezone.now()


def hours_ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def with_files(root: Path, name: str, *, age_hours: float | None = None) -> Path:
    directory = root / name
    directory.mkdir(parents=True)
    for file in ("index.m3u8", "seg_000000.ts"):
        (directory / file).write_bytes(b"x" * 10)
    if age_hours is not None:
        stamp = hours_ago(age_hours).timestamp()
        for path in [*directory.iterdir(), directory]:
            os.utime(path, (stamp, stamp))
    return directory


def ended(*, hours: float, **kwargs) -> LiveStream:
    return LiveStreamFactory(status=S.ENDED, started_at=hours_ago(hours + 1), ended_at=hours_ago(hours), **kwargs)


def test_ended_streams_lose_their_files_after_the_retention_and_once_the_recording_is_settled(stream_root):
    video = VideoFactory()
    cases = {
        "ended 25 h ago": (ended(hours=25), True),
        "ended 23 h ago": (ended(hours=23), False),
        "cancelled before it started": (
            LiveStreamFactory(status=S.ENDED, record=True, ended_at=hours_ago(25)),
            True,
        ),
        "recorded, video made": (ended(hours=25, record=True, recording_video=video), True),
        "recorded, video made, 23 h ago": (ended(hours=23, record=True, recording_video=video), False),
        "recorded, no video yet": (ended(hours=71, record=True), False),
        "recorded, no video 73 h later": (ended(hours=73, record=True), True),
        "deleted an hour ago": (ended(hours=1, deleted_at=hours_ago(1)), True),
        "live for days": (LiveStreamFactory(status=S.LIVE, started_at=hours_ago(100)), False),
        "scheduled, files from a test": (LiveStreamFactory(status=S.SCHEDULED), False),
    }
    paths = {label: with_files(stream_root, str(stream.pk), age_hours=200) for label, (stream, _) in cases.items()}

    result = stream_files_cleanup(now=NOW)

    assert {label: not path.exists() for label, path in paths.items()} == {
        label: gone for label, (_, gone) in cases.items()
    }
    reasons = dict(result.removed)
    assert {label: reasons.get(str(stream.pk)) for label, (stream, _) in cases.items()} == {
        "ended 25 h ago": "ended",
        "ended 23 h ago": None,
        "cancelled before it started": "ended",
        "recorded, video made": "recorded",
        "recorded, video made, 23 h ago": None,
        "recorded, no video yet": None,
        "recorded, no video 73 h later": "recording never built",
        "deleted an hour ago": "deleted",
        "live for days": None,
        "scheduled, files from a test": None,
    }
    assert result.kept == 5
    assert stream_root.is_dir()


def test_orphans_other_names_and_links_outside_the_root(stream_root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    old_orphan = with_files(stream_root, str(uuid7()), age_hours=25)
    fresh_orphan = with_files(stream_root, str(uuid7()), age_hours=1)
    not_ours = with_files(stream_root, "notes", age_hours=500)
    (stream_root / "README").write_text("not a directory")
    # a link at the root, named like an ended stream's directory, pointing outside: never followed
    linked = ended(hours=500)
    (stream_root / str(linked.pk)).symlink_to(outside, target_is_directory=True)
    # a link inside a directory that goes: the link goes, not what it points at
    inner = with_files(stream_root, str(ended(hours=30).pk))
    (inner / "escape").symlink_to(outside, target_is_directory=True)
    (inner / "escape.txt").symlink_to(outside / "precious.txt")

    result = stream_files_cleanup(now=NOW)

    assert sorted(reason for _, reason in result.removed) == ["ended", "orphan"]
    assert not old_orphan.exists()
    assert not inner.exists()
    assert fresh_orphan.is_dir()
    assert not_ours.is_dir()
    assert (stream_root / "README").read_text() == "not a directory"
    assert (stream_root / str(linked.pk)).is_symlink()
    assert (outside / "precious.txt").read_text() == "keep me"
    assert result.kept == 1  # the fresh orphan; other names and links are not counted


def test_a_dry_run_changes_nothing_and_a_second_run_removes_nothing(stream_root):
    gone = ended(hours=30)
    stays = ended(hours=2)
    gone_path = with_files(stream_root, str(gone.pk))
    stays_path = with_files(stream_root, str(stays.pk))

    dry = stream_files_cleanup(now=NOW, dry_run=True)
    assert (dry.removed, dry.kept) == ([(str(gone.pk), "ended")], 1)
    assert gone_path.is_dir()

    first = stream_files_cleanup(now=NOW)
    second = stream_files_cleanup(now=NOW)

    assert first.removed == [(str(gone.pk), "ended")]
    assert (second.removed, second.kept) == ([], 1)
    assert not gone_path.exists()
    assert stays_path.is_dir()


def test_no_root_no_work(settings, tmp_path):
    settings.STREAM_ROOT = tmp_path / "never-made"

    assert stream_files_cleanup().removed == []
    assert not settings.STREAM_ROOT.exists()


def test_the_command_and_the_beat_task(stream_root, settings):
    settings.STREAMING_LOCAL_FILES_RETENTION_HOURS = 1
    first = ended(hours=2)
    second = ended(hours=3)
    with_files(stream_root, str(first.pk))
    with_files(stream_root, str(second.pk))
    ids = sorted([str(first.pk), str(second.pk)])
    dry, out = io.StringIO(), io.StringIO()

    call_command("stream_files_cleanup", "--dry-run", stdout=dry)
    assert dry.getvalue().splitlines() == [*(f"would remove {i} (ended)" for i in ids), "would remove 2, kept 0"]
    assert len(list(stream_root.iterdir())) == 2
    call_command("stream_files_cleanup", stdout=out)
    assert out.getvalue().splitlines() == [*(f"removed {i} (ended)" for i in ids), "removed 2, kept 0"]
    assert list(stream_root.iterdir()) == []

    schedule = django_settings.CELERY_BEAT_SCHEDULE["streaming-stream-files-cleanup"]
    assert schedule == {"task": "streaming.stream_files_cleanup", "schedule": 3600}
    with_files(stream_root, str(ended(hours=5).pk))
    assert tasks.stream_files_cleanup_task.delay().get() == 1
    assert list(stream_root.iterdir()) == []
