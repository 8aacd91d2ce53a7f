"""Settings of the real worker processes that tests/core/test_task_durability.py starts and kills.

The test settings, pointed at the test database and a real broker; the worker the test kills
(``DURABILITY_SLOW=1``) is slowed where each task does its work, so the kill lands mid-task.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, env

CELERY_BROKER_URL = env.str("DURABILITY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
DATABASES = {"default": {**DATABASES["default"], "NAME": env.str("DURABILITY_DB_NAME")}}
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
if env.bool("DURABILITY_SLOW", default=False):
    EMAIL_BACKEND = "tests.core.durability_probes.SlowEmailBackend"
    STORAGES = {**STORAGES, "default": {"BACKEND": "tests.core.durability_probes.SlowStorage"}}  # noqa: F405
    VIDEO_X264_PRESET = "veryslow"
    VIDEO_FFMPEG_THREADS = 1
    # A test pattern encodes in well under a second even at veryslow on an idle machine: read it at
    # its own frame rate, so the 8 s clip takes 8 s whatever the machine and the kill lands mid-transcode.
    VIDEO_FFMPEG_INPUT_OPTIONS = ["-re"]
