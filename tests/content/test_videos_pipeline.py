"""The local pipeline's failure paths: a failed rendition, retries by the owner and operators, the reconciler."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.core.management import call_command
from django.utils import timezone

from content.models import Rendition, Video
from content.services import video_pipeline
from content.services import videos as video_services
from content.transcoding import ladder_for
from content.video_files import output_dir, source_path
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory, ffmpeg_reads

pytestmark = pytest.mark.django_db
clip = video_factories.clip
video_root = video_factories.video_root


def test_the_ladder_never_goes_above_the_source():
    assert [(r.name, w, h) for r, w, h in ladder_for(width=1920, height=1080)] == [
        ("240p", 426, 240),
        ("360p", 640, 360),
        ("480p", 854, 480),
        ("720p", 1280, 720),
        ("1080p", 1920, 1080),
    ]
    assert [(r.name, w, h) for r, w, h in ladder_for(width=1280, height=720)][-1] == ("720p", 1280, 720)
    assert [(r.name, w, h) for r, w, h in ladder_for(width=720, height=1280)] == [
        ("240p", 240, 426),
        ("360p", 360, 640),
        ("480p", 480, 854),
        ("720p", 720, 1280),
    ]
    assert [(r.name, w, h) for r, w, h in ladder_for(width=320, height=180)] == [("240p", 320, 180)]


@pytest.fixture
def uploaded(clip, video_root, django_capture_on_commit_callbacks):
    """A video whose upload finished and probed; its processing task not run yet."""
    owner = VerifiedUserFactory()
    video, _ = video_services.video_create(owner=owner, title="Clip", size=clip.stat().st_size)
    source_path(video.pk).parent.mkdir(parents=True)
    shutil.copy(clip, source_path(video.pk))
    with django_capture_on_commit_callbacks(execute=False):
        Video.objects.filter(pk=video.pk).update(status=Video.Status.UPLOADING)
        video_services.video_upload_finish(video_id=video.pk)
    return Video.objects.get(pk=video.pk)


def test_a_failed_rendition_is_visible_then_retried_by_the_owner(
    uploaded, clip, api_client, django_capture_on_commit_callbacks
):
    # given: the source became unreadable after the poster and sprite were made
    with django_capture_on_commit_callbacks(execute=False):
        [rendition_id] = video_pipeline.video_processing_start(video_id=uploaded.pk)
    source_path(uploaded.pk).write_bytes(b"garbage")

    video_pipeline.rendition_run(rendition_id=rendition_id)

    rendition = Rendition.objects.get(pk=rendition_id)
    assert (rendition.status, rendition.error_code, rendition.attempts) == ("failed", "transcode_failed", 1)
    assert rendition.error_message.startswith("ffmpeg exited with")
    api_client.force_authenticate(uploaded.owner)
    detail = api_client.get(f"/api/v1/videos/{uploaded.pk}/").json()
    assert (detail["status"], detail["error_code"]) == ("failed", "rendition_failed")
    assert detail["error_message"].startswith("240p: ffmpeg exited with")
    assert detail["renditions"][0]["status"] == "failed"

    # when: the source is back and the owner retries the rendition
    shutil.copy(clip, source_path(uploaded.pk))
    other = VerifiedUserFactory()
    api_client.force_authenticate(other)
    retry_url = f"/api/v1/videos/{uploaded.pk}/renditions/240p/retry/"
    assert api_client.post(retry_url).status_code == 404
    api_client.force_authenticate(None)
    assert api_client.post(retry_url).status_code == 401
    api_client.force_authenticate(uploaded.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(retry_url)

    # then
    assert response.status_code == 202
    assert response.json()["status"] == "processing"
    assert Video.objects.get(pk=uploaded.pk).status == "ready"
    rendition.refresh_from_db()
    assert (rendition.status, rendition.attempts, rendition.error_code, rendition.progress) == ("ready", 2, "", 100)
    assert ffmpeg_reads(output_dir(uploaded.pk) / "240p.m3u8").returncode == 0
    again = api_client.post(retry_url)
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "rendition_not_failed"
    assert Rendition.objects.filter(video=uploaded).count() == 1


def test_the_reconciler_retries_a_job_whose_worker_died(uploaded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        [rendition_id] = video_pipeline.video_processing_start(video_id=uploaded.pk)
    # A worker claimed the job, then was killed: running, with a heartbeat from an hour ago.
    Rendition.objects.filter(pk=rendition_id).update(
        status=Rendition.Status.RUNNING, attempts=1, progress=40, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    fresh = Rendition.objects.get(pk=rendition_id)
    assert video_pipeline.video_jobs_reconcile(now=timezone.now() - dt.timedelta(hours=2)) == {
        "retried": 0,
        "failed": 0,
        "requeued": 0,
        "polled": 0,
        "aborted": 0,
    }

    with django_capture_on_commit_callbacks(execute=True) as sent:
        call_command("video_jobs_reconcile", "--dry-run", stdout=(said := __import__("io").StringIO()))
    assert said.getvalue().strip() == "would retry 1, fail 0, requeue 0, poll 0, abort 0 S3 uploads"
    assert sent == []  # nothing enqueued
    assert Rendition.objects.get(pk=rendition_id).status == Rendition.Status.RUNNING  # nothing changed

    with django_capture_on_commit_callbacks(execute=True):
        call_command("video_jobs_reconcile", stdout=(out := __import__("io").StringIO()))

    assert out.getvalue().strip() == "retried 1, failed 0, requeued 0, polled 0, aborted 0 S3 uploads"
    rendition = Rendition.objects.get(pk=rendition_id)
    assert (rendition.status, rendition.attempts, rendition.progress) == ("ready", 2, 100)
    assert rendition.started_at > fresh.heartbeat_at
    assert Video.objects.get(pk=uploaded.pk).status == "ready"
    assert Rendition.objects.filter(video=uploaded).count() == 1


def test_the_reconciler_gives_up_after_the_last_attempt(uploaded, settings, django_capture_on_commit_callbacks):
    settings.VIDEO_JOB_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=False):
        [rendition_id] = video_pipeline.video_processing_start(video_id=uploaded.pk)
    Rendition.objects.filter(pk=rendition_id).update(
        status=Rendition.Status.RUNNING, attempts=2, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )

    assert video_pipeline.video_jobs_reconcile(dry_run=True) == {
        "retried": 0,
        "failed": 1,
        "requeued": 0,
        "polled": 0,
        "aborted": 0,
    }
    assert Rendition.objects.get(pk=rendition_id).status == Rendition.Status.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        counts = video_pipeline.video_jobs_reconcile()

    assert counts == {"retried": 0, "failed": 1, "requeued": 0, "polled": 0, "aborted": 0}
    rendition = Rendition.objects.get(pk=rendition_id)
    assert (rendition.status, rendition.error_code) == ("failed", "worker_lost")
    video = Video.objects.get(pk=uploaded.pk)
    assert (video.status, video.error_code) == ("failed", "rendition_failed")


def test_a_claimed_job_is_not_run_twice(uploaded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        [rendition_id] = video_pipeline.video_processing_start(video_id=uploaded.pk)
    Rendition.objects.filter(pk=rendition_id).update(status=Rendition.Status.RUNNING, heartbeat_at=timezone.now())

    assert video_pipeline.rendition_run(rendition_id=rendition_id) is None
    assert video_pipeline.video_processing_start(video_id=uploaded.pk) == []
    assert Rendition.objects.get(pk=rendition_id).attempts == 0


def test_video_reprocess_command_retries_failed_renditions(uploaded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        [rendition_id] = video_pipeline.video_processing_start(video_id=uploaded.pk)
    Rendition.objects.filter(pk=rendition_id).update(status=Rendition.Status.FAILED, error_code="transcode_failed")
    Video.objects.filter(pk=uploaded.pk).update(status=Video.Status.FAILED, error_code="rendition_failed")
    out, said, whole = (__import__("io").StringIO() for _ in range(3))
    with django_capture_on_commit_callbacks(execute=True) as sent:
        call_command("video_reprocess", str(uploaded.pk), "--dry-run", stdout=said)
        call_command("video_reprocess", str(uploaded.pk), "--all", "--dry-run", stdout=whole)
    assert said.getvalue().strip() == f"{uploaded.pk}: would redo 240p"
    assert whole.getvalue().strip() == f"{uploaded.pk}: would redo the whole pipeline, now 240p"
    assert (sent, Rendition.objects.get(pk=rendition_id).status) == ([], "failed")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("video_reprocess", str(uploaded.pk), stdout=out)

    assert out.getvalue().strip() == f"{uploaded.pk}: 240p"
    assert Rendition.objects.get(pk=rendition_id).status == "ready"
    assert Video.objects.get(pk=uploaded.pk).status == "ready"
