"""Factories for posts. Posts made through the service (``make_post``) get hashtags, mentions,
revisions and counters exactly as the API would give them."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from content.services import posts as services
from tests.factories import UserFactory


class VerifiedUserFactory(UserFactory):
    email_verified_at = factory.LazyFunction(timezone.now)


def make_post(author=None, text="Hello world", **content):
    """A post created through ``post_create``; ``content`` is ``PostContent``'s fields."""
    author = author or VerifiedUserFactory()
    post, _created = services.post_create(author=author, content=services.PostContent(text=text, **content))
    return post


def make_poll_post(author=None, *, options=("Fox", "Owl"), multiple_choice=False, ends_in=dt.timedelta(days=1)):
    poll = services.PollSpec(options=list(options), ends_at=timezone.now() + ends_in, multiple_choice=multiple_choice)
    return make_post(author, text="Which one?", poll=poll)
