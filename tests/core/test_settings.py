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
        if key
        not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"}
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


STRIPE_WHERE = (
    "import stripe; from django.conf import settings as s; "
    "print(s.STRIPE_API_BASE or '-', stripe.api_base, s.STRIPE_SECRET_KEY[:8], s.STRIPE_LIVE_MODE)"
)


@pytest.mark.parametrize("key", ["sk_test_FanfareLocalStripePeer000000000", "sk_test_" + "t" * 24])
def test_production_accepts_an_explicit_api_base_with_a_test_key(key):
    env = {**PRODUCTION_ENV, "STRIPE_SECRET_KEY": key, "STRIPE_API_BASE": "http://127.0.0.1:8111/"}

    result = manage("shell", "-c", STRIPE_WHERE, env=env)

    assert result.returncode == 0, result.stderr
    # Settings and stripe-python's module client (dj-stripe's) both call the endpoint named.
    assert result.stdout.strip().splitlines()[-1].split() == [
        "http://127.0.0.1:8111", "http://127.0.0.1:8111", "sk_test_", "False"
    ]  # fmt: skip


def test_production_without_an_api_base_calls_stripe_itself():
    result = manage("shell", "-c", STRIPE_WHERE, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["-", "https://api.stripe.com", "sk_live_", "True"]


@pytest.mark.parametrize("key", ["sk_live_" + "p" * 24, "rk_live_" + "p" * 24, "rk_test_" + "p" * 24])
def test_production_refuses_an_api_base_with_any_but_a_test_secret_key(key):
    result = manage(
        "check", env={**PRODUCTION_ENV, "STRIPE_SECRET_KEY": key, "STRIPE_API_BASE": "http://127.0.0.1:8111"}
    )

    assert result.returncode != 0
    assert "STRIPE_API_BASE is for Stripe-compatible test endpoints only: it needs an sk_test_" in result.stderr


def test_production_refuses_an_api_base_without_a_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "STRIPE_SECRET_KEY"}

    result = manage("check", env={**env, "STRIPE_API_BASE": "http://127.0.0.1:8111"})

    assert result.returncode != 0
    assert "Set the STRIPE_SECRET_KEY environment variable" in result.stderr


def test_an_api_base_must_be_a_url():
    env = {**PRODUCTION_ENV, "STRIPE_SECRET_KEY": "sk_test_" + "t" * 24, "STRIPE_API_BASE": "127.0.0.1:8111"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "STRIPE_API_BASE must be an http:// or https:// URL." in result.stderr
