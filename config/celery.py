"""Celery app. The broker is CELERY_BROKER_URL, or the embedded one on Fanfare's own database
(``core.embedded_broker``); tasks run eagerly in-process only in the test suite."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# "fanfaredb+postgresql+psycopg://..." names the embedded broker (imported only when used).
TRANSPORT_ALIASES.setdefault("fanfaredb", "core.embedded_broker_transport:Transport")

app = Celery("fanfare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
