"""Test settings: the base settings, fast password hashing, email to memory, a test-only partitioned app.

Like every environment, tests read DATABASE_URL, REDIS_URL and CELERY_BROKER_URL when set, and
use the embedded PostgreSQL, in-memory layers and eager tasks when not.
"""

import os
import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS, INSTALLED_APPS, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-test-only")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run eagerly in the test process unless the environment names a broker. Tests that need a
# real worker (tests/core/test_task_durability.py) start one on the embedded broker themselves.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# Video files of tests (seed_demo's included) stay out of .data; video tests use their own tmp_path.
VIDEO_ROOT = Path(env.str("VIDEO_ROOT", default=str(Path(tempfile.gettempdir()) / "fanfare-test-videos")))
# Live HLS of the local ingest in tests, likewise.
STREAM_ROOT = Path(env.str("STREAM_ROOT", default=str(Path(tempfile.gettempdir()) / "fanfare-test-streams")))
# A partitioned model that exists only in tests, proving the pgpartition wiring.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.partitioning_probe"]
# seed_demo's short-lived Stripe peer keeps its state out of .data in tests, in a file of this test
# process's own: two suites running at once (two checkouts, or CI's two passes on one machine) would
# otherwise load each other's peer state between a test's two seeds and lose the customers it made.
STRIPE_PEER_STATE_FILE = Path(tempfile.gettempdir()) / f"fanfare-test-stripe-peer-{os.getpid()}.json"
# No stray local peer (a developer's `make run`) is ever reached from tests: billing's tests start
# their own peer on a free port and point STRIPE_API_BASE at it; nothing listens on port 9.
STRIPE_API_BASE = "http://127.0.0.1:9"
# Home feed ad slots are off unless a test turns them on (tests/ads): the feeds' own tests pin the
# exact queries of a page, and a slot's decision adds its own.
ADS_FEED_SLOT_EVERY = env.int("ADS_FEED_SLOT_EVERY", default=0)
