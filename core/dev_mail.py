"""The latest emails written by Django's file email backend, for a developer in the admin.

`make run` writes emails to files (``EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend``
with ``EMAIL_FILE_PATH``, e.g. ``.data/mail/``); ``/admin/dev/mail/`` lists the newest messages
with their recipients and subject and shows one. With another backend the page says so.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SEPARATOR = "-" * 79  # what the file backend writes after each message


@dataclass(frozen=True)
class MailItem:
    key: str  # "<file name>:<index in the file>"
    to: str
    subject: str
    date: str
    body: str


def mail_directory() -> Path | None:
    """The directory the file backend writes to, or None when emails go elsewhere."""
    path = getattr(settings, "EMAIL_FILE_PATH", None)
    if settings.EMAIL_BACKEND != FILE_BACKEND or not path:
        return None
    return Path(path)


def _text_of(message) -> str:
    part = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
    if part is None:
        return ""
    try:
        return part.get_content()
    except (KeyError, LookupError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


def latest_mail(*, limit: int = 50) -> list[MailItem]:
    """The newest messages first, at most ``limit`` (files are read newest first)."""
    directory = mail_directory()
    if directory is None or not directory.is_dir():
        return []
    items: list[MailItem] = []
    for path in sorted(directory.glob("*.log"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        chunks = [c.strip() for c in path.read_text(encoding="utf-8", errors="replace").split(SEPARATOR)]
        for index, chunk in reversed(list(enumerate(c for c in chunks if c))):
            message = email.message_from_string(chunk, policy=email.policy.default)
            items.append(
                MailItem(
                    key=f"{path.name}:{index}",
                    to=str(message.get("To", "")),
                    subject=str(message.get("Subject", "")),
                    date=str(message.get("Date", "")),
                    body=_text_of(message),
                )
            )
            if len(items) >= limit:
                return items
    return items
