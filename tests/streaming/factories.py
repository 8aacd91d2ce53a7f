"""Factories and fixtures of streaming tests."""

from __future__ import annotations

import factory
import pytest
from django.utils import timezone

from streaming.models import LiveStream
from streaming.services.streams import stream_key_generate
from tests.factories import UserFactory, with_role


class VerifiedUserFactory(UserFactory):
    email_verified_at = factory.LazyFunction(timezone.now)


def creator_factory(**kwargs):
    return with_role(VerifiedUserFactory(**kwargs), "creator")


class LiveStreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveStream

    owner = factory.LazyFunction(creator_factory)
    title = factory.Sequence(lambda n: f"Stream {n}")
    stream_key = factory.LazyFunction(stream_key_generate)
    provider = LiveStream.Provider.LOCAL


@pytest.fixture
def stream_root(settings, tmp_path):
    settings.STREAM_ROOT = tmp_path / "streams"
    return settings.STREAM_ROOT
