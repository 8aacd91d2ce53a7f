"""Fixtures of the interaction tests: a content owner, an actor, a post and a video of the owner."""

import pytest

from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory


@pytest.fixture
def owner():
    return VerifiedUserFactory(handle="owner")


@pytest.fixture
def actor():
    return VerifiedUserFactory(handle="actor")


@pytest.fixture
def post(owner):
    return make_post(owner, text="A post to talk about")


@pytest.fixture
def video(owner):
    return VideoFactory(owner=owner)
