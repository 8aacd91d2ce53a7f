"""Slow stand-ins for the worker that tests/core/test_task_durability.py kills: each blocks where a
task does its real work (sending an email, saving a file), so the kill lands mid-task."""

import time

from django.core.files.storage import FileSystemStorage
from django.core.mail.backends.filebased import EmailBackend

BLOCK_SECONDS = 120


class SlowEmailBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(BLOCK_SECONDS)
        return super().send_messages(email_messages)


class SlowStorage(FileSystemStorage):
    def _save(self, name, content):
        time.sleep(BLOCK_SECONDS)
        return super()._save(name, content)
