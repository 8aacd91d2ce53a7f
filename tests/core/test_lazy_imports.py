"""The web process does not load, at start-up, libraries that only a few calls need.

Every module imported at start-up stays in every server process for its whole life: the ASGI
process imported boto3 and botocore's client (S3, MediaConvert, IVS), s3transfer, Pillow, PyJWT
with cryptography and the redis client (with OpenTelemetry) before serving anything, about 24 MB
of the 136 MB a production server held before its first socket (bench/README.md, chat_fanout).
Each is now imported by the call that uses it. Celery (with kombu and billiard, about 8 MB) is
loaded by the worker and beat, and by a process when it first sends a task; the web process
starts without it. This test starts the production ASGI application
in a fresh interpreter, with the production settings, and fails if one of them comes back at
import time (an innocent top-level ``import boto3`` would do it).
"""

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Loaded by the calls that need them (S3 and MediaConvert clients, the IVS provider, CloudFront and
# IVS playback signing, image uploads, the Redis cache and channel layer), never by start-up.
LAZY = ["boto3", "botocore.client", "botocore.signers", "s3transfer", "PIL", "jwt", "cryptography", "redis"]
# Celery: the apps no longer import their tasks modules in ready(), ``config`` no longer imports
# ``config.celery``, and the periodic jobs' crontabs are declared without ``celery.schedules``.
LAZY += ["celery", "kombu", "billiard", "config.celery"]
# ua-parser: only a completed login describes its device (accounts.services.access).
LAZY += ["ua_parser"]
# Already loaded only when used before this test was written; kept out the same way.
ALSO_LAZY = ["firebase_admin", "google.cloud", "channels_redis"]

PROBE = """
import json, sys
import config.asgi  # what uvicorn imports: ``config.asgi:application``
print(json.dumps(sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)))
"""


def _start_up_modules(names: list[str], extra_env: dict[str, str] | None = None) -> list[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SECRET_KEY", "STRIPE_", "DEBUG"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "k" * 20 + "production-secret-for-the-lazy-imports-" + "z" * 20,
            "DATABASE_URL": "postgres://fanfare:secret@db.internal:5432/fanfare",
            "ALLOWED_HOSTS": "fanfare.example.com",
            "STRIPE_SECRET_KEY": "sk_live_" + "p" * 24,
            "STRIPE_WEBHOOK_SECRET": "whsec_" + "w" * 24,
            **(extra_env or {}),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(names)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_production_asgi_application_starts_without_the_libraries_only_some_calls_need():
    assert _start_up_modules(LAZY + ALSO_LAZY) == []


def test_the_probe_sees_a_library_that_start_up_does_load():
    # The probe itself works: what start-up does import is reported.
    assert _start_up_modules(["django", "channels", "boto3"]) == ["channels", "django"]


@pytest.mark.parametrize(
    ("module", "call"),
    [
        ("content.transcoding.mediaconvert", "s3_client"),
        ("streaming.providers.ivs", "ivs_client"),
    ],
)
def test_the_aws_clients_load_boto3_when_called(module, call):
    probe = f"""
import sys, importlib
import config.asgi
assert "boto3" not in sys.modules
client = getattr(importlib.import_module("{module}"), "{call}")()
assert "boto3" in sys.modules and type(client).__module__ == "botocore.client", type(client)
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.test", "AWS_DEFAULT_REGION": "us-east-1"})
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_a_redis_error_still_counts_as_a_dependency_down_for_the_websocket_guard():
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import RedisError

    from core.websocket_guard import _dependency_down

    assert _dependency_down(RedisConnectionError("down")) is True
    assert _dependency_down(RedisError("any")) is True
    assert _dependency_down(ConnectionRefusedError()) is True
    assert _dependency_down(KeyError("a bug")) is False


def _run(probe: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.test"})
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _declared_task_names() -> set[str]:
    """Every ``@shared_task(name=...)`` in the project's own modules."""
    names = set()
    for path in ROOT.glob("*/*.py"):
        if path.parts[-2] in {"tests", "bench", ".venv", "node_modules"}:
            continue
        names |= set(re.findall(r'@shared_task\(name="([^"]+)"', path.read_text()))
    return names


def test_the_worker_registers_every_task_without_the_apps_importing_them():
    # ``celery -A config worker``: Celery finds ``config.celery.app``, Django starts, the worker
    # imports the default modules (autodiscovery), and every task of every app is registered.
    probe = """
import json
from celery.app.utils import find_app
from celery.utils.imports import symbol_by_name
app = find_app("config", symbol_by_name=symbol_by_name)
import django
django.setup()
app.loader.import_default_modules()
print(json.dumps(sorted(name for name in app.tasks if not name.startswith("celery."))))
"""
    registered = set(json.loads(_run(probe)))
    declared = _declared_task_names()
    assert len(declared) >= 30
    assert registered == declared


def test_a_task_sent_by_the_web_process_binds_to_fanfares_celery_app_and_its_outbox_hooks():
    probe = """
import json, sys
import config.asgi
before = "celery" in sys.modules
from streaming import tasks  # what a service does when it sends a task
import config
from config.celery import app
from celery import signals
hooks = sorted(
    getattr(receiver, "__qualname__", "")
    for sig in (
        signals.worker_init, signals.worker_ready, signals.worker_shutdown, signals.task_prerun, signals.task_postrun
    )
    for _, receiver in sig.receivers
)
bound = tasks.streams_reconcile_task.app is app
print(json.dumps([before, bound, config.celery_app is app, app.conf.task_always_eager, hooks]))
"""
    before, bound, exported, eager, hooks = json.loads(_run(probe))
    assert before is False
    assert bound is True
    assert exported is True
    assert eager is True  # the test settings' eager mode: the app's configuration is Fanfare's
    assert [hook for hook in hooks if hook.startswith("outbox.")] == [
        "outbox.on_task_postrun",
        "outbox.on_task_prerun",
        "outbox.on_worker_init",
        "outbox.on_worker_ready",
        "outbox.on_worker_shutdown",
    ]


def test_the_periodic_crontabs_are_celerys_crontabs_when_beat_reads_them():
    from celery.schedules import crontab

    from config.celery import app
    from config.schedule import BEAT_SCHEDULE, Crontab
    from core.scheduler import DatabaseScheduler

    declared = {
        name: entry["schedule"] for name, entry in BEAT_SCHEDULE.items() if isinstance(entry["schedule"], Crontab)
    }
    assert set(declared) == {"notifications-digests-daily", "notifications-digests-weekly", "billing-payouts-prepare"}
    weekly = crontab(hour=8, minute=0, day_of_week=1)
    assert declared["notifications-digests-weekly"].build() == weekly
    assert str(declared["notifications-digests-weekly"]) == str(weekly)
    assert declared["notifications-digests-weekly"].day_of_week == {1}
    for name, spec in declared.items():
        entry = DatabaseScheduler.Entry(name=name, task=BEAT_SCHEDULE[name]["task"], schedule=spec, app=app)
        assert type(entry.schedule) is crontab, name
        assert entry.schedule == spec.build(), name
        assert entry.schedule.app is app
        # beat copies an entry before it sends it, and makes the next one after: both keep it
        assert copy.copy(entry).schedule == entry.schedule == next(entry).schedule, name
    interval = DatabaseScheduler.Entry(name="every-minute", task="core.tasks_recover", schedule=60, app=app)
    assert interval.schedule.run_every.total_seconds() == 60


def test_the_asgi_application_takes_its_start_up_objects_out_of_the_collectors_full_passes():
    # config.asgi ends with gc.freeze(): a full collection while 2,000 chat sockets connect no
    # longer walks the ~160,000 objects start-up made (bench/README.md, chat_fanout).
    probe = """
import gc, json
import config.asgi
print(json.dumps([gc.get_freeze_count(), gc.isenabled()]))
"""
    frozen, enabled = json.loads(_run(probe))
    assert frozen > 50_000
    assert enabled is True  # garbage is still collected
