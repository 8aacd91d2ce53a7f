"""Background work without a worker process: the schedule, beat's scheduler, health and tasks_status.

(tests/core/test_task_durability.py runs real workers.)
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from config.schedule import BEAT_SCHEDULE
from core.models import OutboxTask, PeriodicJob, WorkerHeartbeat
from core.scheduler import DatabaseScheduler
from core.side_effects import enqueue_task
from core.tasks import tasks_recover_task

pytestmark = pytest.mark.django_db


def test_every_periodic_job_is_declared_once_in_config_schedule_and_runs_a_registered_task():
    assert django_settings.CELERY_BEAT_SCHEDULE == BEAT_SCHEDULE
    assert django_settings.CELERY_BEAT_SCHEDULER == "core.scheduler:DatabaseScheduler"
    app.loader.import_default_modules()
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= set(app.tasks)
    # Analytics follow views within two minutes.
    assert BEAT_SCHEDULE["content-video-stats-rollup"] == {"task": "content.video_stats_rollup", "schedule": 60}


def test_every_periodic_job_is_in_the_table_of_docs_architecture():
    table = (django_settings.BASE_DIR / "docs" / "architecture.md").read_text()
    for name in BEAT_SCHEDULE:
        assert f"`{name}`" in table, name


@pytest.mark.django_db(transaction=True)  # beat closes its connection after each use, as in production
def test_a_restarted_scheduler_does_not_run_a_job_twice_for_one_slot(caplog):
    # given: the recoverer last ran a minute ago (its schedule is every 15 s), so it is due
    PeriodicJob.objects.create(
        name="core-tasks-recover", task="core.tasks_recover", last_sent_at=timezone.now() - timedelta(minutes=1)
    )
    first = DatabaseScheduler(app=app)

    # when: beat ticks, then stops and starts again and ticks at once
    with caplog.at_level(logging.ERROR, logger="celery.beat"):
        first.tick()
    # beat logs a send that raised ("Message Error") and goes on: the job must really have gone out
    assert [r.getMessage() for r in caplog.records if r.name == "celery.beat"] == []
    sent = PeriodicJob.objects.get(name="core-tasks-recover")
    first.close()
    second = DatabaseScheduler(app=app)
    second.tick()
    second.close()

    # then: the job was sent once, with the slot written before it was sent; the restart sent nothing
    assert sent.last_task_id is not None
    assert timezone.now() - sent.last_sent_at < timedelta(seconds=5)
    again = PeriodicJob.objects.get(name="core-tasks-recover")
    assert (again.last_task_id, again.last_sent_at) == (sent.last_task_id, sent.last_sent_at)
    assert second.schedule["core-tasks-recover"].last_run_at == sent.last_sent_at
    # Jobs never run before wait one period from the first start of beat (kept across restarts),
    # so nothing else was sent.
    others = PeriodicJob.objects.exclude(name="core-tasks-recover")
    assert others.count() == len(BEAT_SCHEDULE) - 1
    assert set(others.values_list("last_task_id", flat=True)) == {None}
    first_start = dict(others.values_list("name", "last_sent_at"))
    assert {name: second.schedule[name].last_run_at for name in first_start} == first_start
    # Celery's own default entries are not added: every job is in config/schedule.py.
    assert set(second.schedule) == set(BEAT_SCHEDULE)


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_writes_its_heartbeat_and_removes_it_when_it_stops():
    scheduler = DatabaseScheduler(app=app)
    scheduler.tick()
    beat = WorkerHeartbeat.objects.get(boot=scheduler.boot)
    assert beat.kind == "beat"
    scheduler.close()
    assert not WorkerHeartbeat.objects.filter(boot=scheduler.boot).exists()


def test_eager_tasks_skip_the_outbox(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_task(tasks_recover_task)
    assert not OutboxTask.objects.exists()


def test_a_task_whose_broker_is_down_at_commit_stays_in_the_outbox(django_capture_on_commit_callbacks, caplog):
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    app._pool = app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_task(tasks_recover_task)
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool = app.amqp._producer_pool = None
    row = OutboxTask.objects.get()
    assert (row.task, row.status, row.published_at, row.attempts) == ("core.tasks_recover", "queued", None, 0)
    assert f"task {row.pk} (core.tasks_recover) not published, will retry" in caplog.text


def _heartbeat(kind: str, age: float) -> WorkerHeartbeat:
    import uuid

    return WorkerHeartbeat.objects.create(
        kind=kind, boot=uuid.uuid4(), hostname="host", pid=1, seen_at=timezone.now() - timedelta(seconds=age)
    )


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_worker_and_scheduler_heartbeats_and_the_oldest_waiting_task(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = ""
    _heartbeat("worker", 2)
    _heartbeat("worker", 600)  # a dead one
    _heartbeat("beat", 1)
    OutboxTask.objects.create(task="core.tasks_recover", created_at=timezone.now() - timedelta(seconds=90))
    OutboxTask.objects.create(task="core.tasks_recover", status="failed")

    body = client.get("/healthz").json()

    assert body["status"] == "ok"
    worker, scheduler = body["components"]["worker"], body["components"]["scheduler"]
    assert (worker["status"], worker["alive"], worker["waiting_tasks"], worker["failed_tasks"]) == ("up", 1, 1, 1)
    assert 2 <= worker["last_heartbeat_age_seconds"] < 10
    assert 90 <= worker["oldest_waiting_seconds"] < 100
    assert (scheduler["status"], scheduler["alive"]) == ("up", 1)
    assert 1 <= scheduler["last_heartbeat_age_seconds"] < 10


@pytest.mark.django_db(transaction=True)
def test_healthz_is_degraded_when_no_worker_or_scheduler_is_alive(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = ""
    _heartbeat("worker", 600)

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["worker"]["status"] == "down"
    assert body["components"]["worker"]["error"] == "no recent heartbeat"
    assert body["components"]["worker"]["last_heartbeat_age_seconds"] >= 600
    assert body["components"]["scheduler"]["status"] == "down"
    assert body["components"]["scheduler"]["last_heartbeat_age_seconds"] is None


def test_tasks_status_prints_workers_outbox_failed_tasks_and_periodic_jobs(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # a broker that does not answer
    _heartbeat("worker", 3)
    failed = OutboxTask.objects.create(task="accounts.data_export_build", status="failed", attempts=5, error="boom")
    PeriodicJob.objects.create(
        name="content-video-stats-rollup",
        task="content.video_stats_rollup",
        last_sent_at=timezone.now() - timedelta(seconds=30),
        last_task_id=uuid.uuid4(),
        last_finished_at=timezone.now() - timedelta(seconds=29),
        last_status="success",
    )
    out = io.StringIO()

    call_command("tasks_status", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Broker: redis"
    assert lines[1].startswith("Workers: 1 alive, last heartbeat 3 s ago")
    assert lines[2] == "Scheduler: 0 alive, last heartbeat none"
    assert lines[3:5] == ["Queues:", "  celery               broker not answering"]
    assert lines[5] == "Outbox: 0 waiting, 0 running, 1 failed"
    assert lines[6:8] == [
        "Failed tasks (newest first):",
        f"  {failed.pk}  accounts.data_export_build  attempts 5  boom",
    ]
    assert lines[8] == "Periodic jobs:"
    rollup = next(line for line in lines if "content-video-stats-rollup" in line)
    sent, finished = re.search(
        r"every 60 s +last sent \S+ \S+ \((\d+) s ago\)  finished \S+ \S+ \((\d+) s ago\) success$", rollup
    ).groups()
    assert 30 <= int(sent) < 60
    assert 29 <= int(finished) < 59
    never = next(line for line in lines if "accounts-data-exports-expire" in line)
    assert never.endswith("last sent never  finished never ")
    assert len(lines) == 9 + len(BEAT_SCHEDULE)


def test_the_admin_shows_where_each_data_export_build_is():
    from accounts.models import DataExport
    from tests.clients import verified_client
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    building = DataExport.objects.create(user=UserFactory(), status="building")
    waiting = DataExport.objects.create(user=UserFactory())
    failed = DataExport.objects.create(user=UserFactory(), status="failed", error="boom")
    OutboxTask.objects.create(
        task="accounts.data_export_build", args=[str(building.pk)], status="running", attempts=2,
        started_at=timezone.now() - timedelta(seconds=5),
    )  # fmt: skip
    OutboxTask.objects.create(
        task="accounts.data_export_build", args=[str(waiting.pk)], created_at=timezone.now() - timedelta(seconds=40)
    )

    page = verified_client(staff).get("/admin/accounts/dataexport/").content.decode()

    # newest first: the failed one (nothing to build), the waiting one, the running one
    cells = re.findall(r'field-background_task">([^<]*)<', page)
    assert len(cells) == 3
    assert cells[0] == "-"
    assert re.fullmatch(r"waiting for a worker \((\d+) s\)", cells[1])
    assert int(re.fullmatch(r"waiting for a worker \((\d+) s\)", cells[1])[1]) >= 40
    assert re.fullmatch(r"running, attempt 2 \((\d+) s\)", cells[2])
    detail = verified_client(staff).get(f"/admin/accounts/dataexport/{failed.pk}/change/").content.decode()
    assert "build task" in detail.lower()


def test_run_ready_prints_where_mail_goes_then_the_logins_and_urls_last(tmp_path, settings):
    from core.management.commands.run_ready import Command

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = "/x/.data/mail"
    settings.STREAMING_PROVIDER = "local"
    settings.STREAMING_RTMP_HOST, settings.STREAMING_RTMP_PORT = "127.0.0.1", 19313
    logins = tmp_path / "logins.txt"
    logins.write_text(
        "Demo logins (studio: /studio/, admin: /admin/):\n"
        "  creator    creator@fanfare.local      password: fanfare-creator-demo\n"
        "  video     Test pattern               uploaded\n"
        "Demo data ready.\n"
    )

    lines = Command().lines(base="http://127.0.0.1:8013", logins=logins)

    assert lines[:4] == [
        "",
        "Emails are written to /x/.data/mail/ (one file per message), not sent.",
        "Demo logins:",
        "  creator    creator@fanfare.local      password: fanfare-creator-demo",
    ]
    assert lines[4] == "Fanfare is running on http://127.0.0.1:8013   (web, worker, scheduler; Ctrl-C stops them all)"
    assert "ws://127.0.0.1:8013/ws/health/" in lines[7]
    assert lines[-1].startswith("  RTMP       rtmp://127.0.0.1:19313/live/<stream key>")
