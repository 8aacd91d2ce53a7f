"""Production settings: secure, and refusing to start without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k" * 20 + "production-secret-for-the-deploy-check-" + "z" * 20,
    "DATABASE_URL": "postgres://fanfare:secret@db.internal:5432/fanfare",
    "ALLOWED_HOSTS": "fanfare.example.com",
    "STRIPE_SECRET_KEY": "sk_live_" + "p" * 24,
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "w" * 24,
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "Set the SECRET_KEY environment variable"),
        ("DATABASE_URL", "Set the DATABASE_URL environment variable"),
        ("ALLOWED_HOSTS", "Set the ALLOWED_HOSTS environment variable"),
        ("STRIPE_SECRET_KEY", "Set the STRIPE_SECRET_KEY environment variable"),
        ("STRIPE_WEBHOOK_SECRET", "Set the STRIPE_WEBHOOK_SECRET environment variable"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, message):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": "django-insecure-" + "x" * 50})

    assert result.returncode != 0
    assert "SECRET_KEY must be a random value of at least 50 characters." in result.stderr


def test_production_refuses_the_local_peers_key_and_a_malformed_webhook_secret():
    peer_key = manage("check", env={**PRODUCTION_ENV, "STRIPE_SECRET_KEY": "sk_test_FanfareLocalStripePeer000000000"})
    bad_secret = manage("check", env={**PRODUCTION_ENV, "STRIPE_WEBHOOK_SECRET": "secret"})

    assert peer_key.returncode != 0
    assert "production never uses the local Stripe peer" in peer_key.stderr
    assert bad_secret.returncode != 0
    assert "Set the STRIPE_WEBHOOK_SECRET environment variable" in bad_secret.stderr


def test_production_is_secure_by_default():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.LOGGING['handlers']['console']['formatter'])"
    )
    result = manage("shell", "-c", code, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "True", "True", "True", "31536000", "json"]


@pytest.mark.parametrize(("pool_env", "expected"), [(None, "{'min_size': 2, 'max_size': 10} 0"), ("false", "None 0")])
def test_production_keeps_a_connection_pool_unless_told_not_to(pool_env, expected):
    code = (
        "from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['OPTIONS'].get('pool'), d['CONN_MAX_AGE'])"
    )
    env = {**PRODUCTION_ENV, **({"DATABASE_POOL": pool_env} if pool_env else {})}
    clean_pool = {key: value for key, value in os.environ.items() if not key.startswith("DATABASE_POOL")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**{k: v for k, v in clean_pool.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG"}}, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
