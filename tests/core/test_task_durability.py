"""Nothing is lost between a commit and its task (core.outbox), proved with real worker processes.

Each test starts ``celery -A config worker`` on a real broker (the embedded one on the test
database, or CELERY_BROKER_URL's), kills it with SIGKILL in the middle of a task, and starts
another worker: the work completes exactly once in effect. The export test also enqueues while
the broker is unreachable.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from django.conf import settings as django_settings
from django.db import connection

from accounts.models import DataExport
from accounts.services.export import data_export_request
from config.celery import app
from content.models import Rendition, Video
from content.services import videos as video_services
from content.video_files import output_dir, source_path
from core.embedded_broker import broker_url_for
from core.models import OutboxTask, WorkerHeartbeat
from core.outbox import tasks_recover
from notifications.models import DeliveryAttempt
from notifications.services import notify
from tests.content.video_factories import VerifiedUserFactory, make_clip
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LOST_SECONDS = 3


def _reset_connections() -> None:
    """Forget the broker connections of this process (and close the embedded broker's engines)."""
    app._pool = None
    app.amqp._producer_pool = None
    from core.embedded_broker_transport import Channel

    for engine, _session in Channel._engines.values():
        engine.dispose()  # closes its idle connections; it stays usable


@pytest.fixture
def broker(settings, tmp_path):
    """This process sends tasks to a real broker, as the web process does under `make run`."""
    url = os.environ.get("CELERY_BROKER_URL") or broker_url_for(connection.settings_dict)
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _reset_connections()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare("celery", durable=True, auto_delete=False)
        conn.default_channel.queue_purge("celery")
    settings.TASKS_WORKER_LOST_SECONDS = LOST_SECONDS
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VIDEO_ROOT = tmp_path / "videos"
    yield url
    app.conf.broker_url, app.conf.task_always_eager = saved
    _reset_connections()


class Workers:
    """Real worker processes (``--pool solo``: the task runs in the process that is killed)."""

    def __init__(self, *, url: str, tmp_path: Path) -> None:
        self.url, self.tmp_path, self.started = url, tmp_path, []
        self.mail_dir = tmp_path / "mail"

    def start(self, name: str, *, slow: bool) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.core.durability_settings",
            "DURABILITY_BROKER_URL": self.url,
            "DURABILITY_DB_NAME": connection.settings_dict["NAME"],
            "DURABILITY_SLOW": "1" if slow else "",
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
            "VIDEO_ROOT": str(django_settings.VIDEO_ROOT),
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "TASKS_HEARTBEAT_SECONDS": "1",
            "TASKS_WORKER_LOST_SECONDS": str(LOST_SECONDS),
            "VIDEO_JOB_STALE_SECONDS": str(LOST_SECONDS),
        }
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--without-mingle",
             "--without-gossip", "--hostname", f"{name}@%h", "--loglevel", "INFO"],
            cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.started.append((name, process))
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{(self.tmp_path / f'{name}.log').read_text()[-3000:]}" for name, _ in self.started
        )

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.logs()}")
            time.sleep(0.2)

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9 the worker process itself (its ffmpeg, if any, dies when its pipe closes)."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def recover_after_death(self) -> dict[str, int]:
        """Once the dead worker's heartbeat is stale, what beat's core.tasks_recover does."""
        self.wait(
            lambda: (
                not WorkerHeartbeat.objects.filter(kind="worker").exists()
                or all(
                    time.time() - hb.seen_at.timestamp() > LOST_SECONDS + 0.5
                    for hb in WorkerHeartbeat.objects.filter(kind="worker")
                )
            ),
            "the killed worker's heartbeat to go stale",
        )
        return tasks_recover()

    def stop_all(self) -> None:
        for _, process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def workers(broker, tmp_path):
    workers = Workers(url=broker, tmp_path=tmp_path)
    yield workers
    workers.stop_all()


def _ffmpeg_writing(out_dir: Path) -> bool:
    for process in psutil.process_iter(["cmdline"]):
        if any(str(out_dir) in part for part in process.info["cmdline"] or []):
            return True
    return False


def _running(task: str) -> bool:
    return OutboxTask.objects.filter(task=task, status=OutboxTask.Status.RUNNING).exists()


def test_a_worker_killed_mid_transcode_loses_nothing(workers, tmp_path):
    # given: an uploaded video, its processing committed to the outbox and the broker
    clip = make_clip(tmp_path / "clip.mp4", size="320x180", seconds=8)
    video, _ = video_services.video_create(owner=VerifiedUserFactory(), title="Clip", size=clip.stat().st_size)
    source_path(video.pk).parent.mkdir(parents=True)
    shutil.copy(clip, source_path(video.pk))
    Video.objects.filter(pk=video.pk).update(status=Video.Status.UPLOADING)
    video_services.video_upload_finish(video_id=video.pk)
    assert OutboxTask.objects.filter(task="content.video_process", published_at__isnull=False).count() == 1

    # when: the worker is killed while ffmpeg is transcoding the rendition
    first = workers.start("first", slow=True)
    workers.wait(
        lambda: Rendition.objects.filter(video=video, status="running", progress__gt=0).exists(), "a transcode"
    )
    workers.kill(first)
    assert list(Rendition.objects.filter(video=video).values_list("status", "attempts")) == [("running", 1)]
    # Its ffmpeg died with it (it would otherwise write on into the files the next run writes).
    workers.wait(lambda: not _ffmpeg_writing(output_dir(video.pk)), "the killed worker's ffmpeg to die", timeout=5)
    assert workers.recover_after_death() == {"published": 0, "redelivered": 0, "orphaned": 1, "failed": 0}
    workers.start("second", slow=False)

    # then: the video becomes ready; the rendition ran twice, the second time to the end
    workers.wait(lambda: Video.objects.get(pk=video.pk).status == Video.Status.READY, "the video to be ready")
    assert list(Rendition.objects.filter(video=video).values_list("name", "status", "attempts")) == [
        ("240p", "ready", 2)
    ]
    assert (output_dir(video.pk) / "master.m3u8").exists()
    workers.wait(lambda: not OutboxTask.objects.exists(), "the outbox to empty")


def test_a_worker_killed_mid_email_delivers_it_once(workers):
    # given: a notification whose email task is committed
    recipient = UserFactory(email="rita@example.com")
    notification = notify(recipient=recipient, kind="comment", actor=UserFactory(), target=UserFactory())

    # when: the worker is killed while the email is being sent
    first = workers.start("first", slow=True)
    workers.wait(lambda: _running("notifications.email_deliver"), "the email task to start")
    workers.kill(first)
    assert workers.recover_after_death()["orphaned"] == 1
    workers.start("second", slow=False)

    # then: one email went out, and one attempt says so
    workers.wait(
        lambda: DeliveryAttempt.objects.filter(notification=notification, channel="email", status="sent").exists(),
        "the email to be sent",
    )
    workers.wait(lambda: not OutboxTask.objects.exists(), "the outbox to empty")
    assert len(list(workers.mail_dir.iterdir())) == 1
    assert "rita@example.com" in next(workers.mail_dir.iterdir()).read_text()
    assert DeliveryAttempt.objects.filter(notification=notification, channel="email").count() == 1


def test_an_export_enqueued_while_the_broker_is_down_and_killed_mid_build_is_built_once(workers, settings):
    # given: the broker is unreachable when the export request commits
    user = UserFactory(email="exporter@example.com")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    _reset_connections()
    export = data_export_request(user=user)
    row = OutboxTask.objects.get(task="accounts.data_export_build")
    assert (row.status, row.published_at, row.args) == ("queued", None, [str(export.pk)])

    # when: the broker is back, the recoverer publishes it, and the worker is killed mid-build
    app.conf.broker_url = workers.url
    _reset_connections()
    OutboxTask.objects.filter(pk=row.pk).update(updated_at=row.updated_at.replace(year=2000))
    assert tasks_recover() == {"published": 1, "redelivered": 0, "orphaned": 0, "failed": 0}
    first = workers.start("first", slow=True)
    workers.wait(lambda: DataExport.objects.get(pk=export.pk).status == "building", "the build to start")
    workers.kill(first)
    assert workers.recover_after_death()["orphaned"] == 1
    workers.start("second", slow=False)

    # then: the export is ready with one archive, and one email says so
    workers.wait(lambda: DataExport.objects.get(pk=export.pk).status == "ready", "the export to be ready")
    workers.wait(lambda: not OutboxTask.objects.exists(), "the outbox to empty")
    archives = [p for p in (Path(settings.MEDIA_ROOT) / "exports").rglob("*") if p.is_file()]
    assert len(archives) == 1
    assert DataExport.objects.get(pk=export.pk).file.name.endswith(archives[0].name)
    assert len(list(workers.mail_dir.iterdir())) == 1
