"""Helpers for the interaction tests: people in every relation to a piece of content, API calls,
and reading notifications."""

from __future__ import annotations

from rest_framework.test import APIClient

from notifications.models import Notification
from social.models import Block, Mute


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def error_code(response) -> str:
    return response.json()["errors"][0]["code"]


def notifications_of(user, kind: str | None = None):
    rows = Notification.objects.filter(recipient=user)
    return rows.filter(kind=kind) if kind else rows


def block(blocker, blocked):
    Block.objects.create(blocker=blocker, blocked=blocked)


def mute(muter, muted):
    Mute.objects.create(muter=muter, muted=muted)
