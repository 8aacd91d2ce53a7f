"""The emails of signing up and signing in, rendered from accounts/templates/accounts/email/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.side_effects import send_email


def uid_encode(*, user_id: Any) -> str:
    return urlsafe_base64_encode(force_bytes(str(user_id)))


def site_link(*, path: str, uid: str, token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}?uid={uid}&token={token}"


def email_send_templated(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Send ``<template>_subject.txt`` / ``<template>_body.txt`` to one address, after commit."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}_body.txt", context)
    send_email(subject=subject, message=body, from_email=None, recipient_list=[to])
