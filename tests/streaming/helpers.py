"""Shared helpers for the chat tests: streams, verified users, sockets."""

from __future__ import annotations

import json
import secrets

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from config.asgi import application
from streaming.models import LiveStream
from tests.factories import UserFactory

ORIGIN = (b"origin", b"http://127.0.0.1")


def verified_user(**kwargs):
    return UserFactory(email_verified_at=timezone.now(), **kwargs)


def make_stream(owner, **kwargs) -> LiveStream:
    kwargs.setdefault("status", "live")
    kwargs.setdefault("started_at", timezone.now())
    kwargs.setdefault("title", "Live now")
    return LiveStream.objects.create(owner=owner, stream_key=secrets.token_urlsafe(24), **kwargs)


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def grant_platform_moderator(user):
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="moderator")
    group.permissions.add(Permission.objects.get(content_type__app_label="streaming", codename="moderate_streams"))
    user.groups.add(group)


async def connect(stream, user=None, *, query: str = "", headers=()):
    all_headers = [ORIGIN, *headers]
    if user is not None:
        all_headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    path = f"/ws/streams/{stream.pk}/chat/" + (f"?{query}" if query else "")
    communicator = WebsocketCommunicator(application, path, headers=all_headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def joined(stream, user=None, **kwargs):
    """A socket past its welcome message; returns (communicator, welcome)."""
    communicator = await connect(stream, user, **kwargs)
    welcome = await communicator.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome", welcome
    return communicator, welcome


async def send(communicator, **message):
    await communicator.send_to(text_data=json.dumps(message))


async def next_of(communicator, event_type: str, *, timeout: float = 5):
    """The next message of ``event_type``, skipping metrics ticks."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == event_type:
            return message
        if message["type"] != "metrics":
            raise AssertionError(f"expected {event_type}, got {message}")


async def closed_with(communicator, *, timeout: float = 5) -> int:
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code")
