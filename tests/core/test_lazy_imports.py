"""The web process does not load, at start-up, libraries that only a few calls need.

Every module imported at start-up stays in every server process for its whole life: the ASGI
process imported boto3 and botocore's client (S3, MediaConvert, IVS), s3transfer, Pillow, PyJWT
with cryptography and the redis client (with OpenTelemetry) before serving anything, about 24 MB
of the 136 MB a production server held before its first socket (bench/README.md, chat_fanout).
Each is now imported by the call that uses it. This test starts the production ASGI application
in a fresh interpreter, with the production settings, and fails if one of them comes back at
import time (an innocent top-level ``import boto3`` would do it).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Loaded by the calls that need them (S3 and MediaConvert clients, the IVS provider, CloudFront and
# IVS playback signing, image uploads, the Redis cache and channel layer), never by start-up.
LAZY = ["boto3", "botocore.client", "botocore.signers", "s3transfer", "PIL", "jwt", "cryptography", "redis"]
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
