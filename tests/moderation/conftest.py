"""Fixtures of the moderation tests: people, targets of every type, clients."""

from __future__ import annotations

import secrets

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from streaming.models import LiveStream, StreamChat
from tests.clients import verified_client
from tests.factories import UserFactory, with_role


def verified(**kwargs):
    return UserFactory(email_verified_at=timezone.now(), **kwargs)


def code_of(response) -> str:
    return response.json()["errors"][0]["code"]


@pytest.fixture
def reporter(db):
    return verified(handle="reporter")


@pytest.fixture
def author(db):
    return verified(handle="author")


@pytest.fixture
def moderator(db):
    return with_role(verified(handle="mod"), "moderator")


def moderator_by_permissions(**kwargs):
    """A moderator whose permissions are their own, not the role group's: transactional tests
    flush the database, and with it the groups' permissions that migrations granted."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    from accounts.roles import ROLE_PERMISSIONS, Role

    user = verified(is_staff=True, **kwargs)
    wanted = Q()
    for app_label, codename in ROLE_PERMISSIONS[Role.MODERATOR]:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    user.user_permissions.add(*Permission.objects.filter(wanted))
    return user


@pytest.fixture
def client_of():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def staff_api(moderator):
    return verified_client(moderator, api=True)


def make_live_stream(owner, **kwargs) -> LiveStream:
    kwargs.setdefault("status", LiveStream.Status.LIVE)
    kwargs.setdefault("started_at", timezone.now())
    kwargs.setdefault("title", "Live now")
    return LiveStream.objects.create(owner=owner, stream_key=secrets.token_urlsafe(24), **kwargs)


def make_chat_line(stream, sender, text) -> StreamChat:
    return StreamChat.objects.create(stream=stream, sender=sender, text=text)


def make_comment(author, post, text="rude words"):
    from social.services.comments import comment_create

    return comment_create(author=author, content=post, text=text)
