"""Settings of the writer process tests/ads/test_writer_kill.py starts and kills: the test settings
pointed at the test database."""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, env

DATABASES = {"default": {**DATABASES["default"], "NAME": env.str("ADS_PROBE_DB_NAME")}}
