"""Concurrent likes and saves against the real PostgreSQL: counters stay exact, one row per user
and target, one notification per liker. Each thread has its own connection and transaction."""

import threading

import pytest
from django.db import connection

from content.models import Post
from notifications.models import Notification
from social.models import Like, Save
from social.services import likes as services
from tests.content.post_factories import VerifiedUserFactory, make_post

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def run_together(functions):
    """Start every function at the same moment (a barrier), each in its own thread and
    connection; re-raise the first error."""
    barrier = threading.Barrier(len(functions))
    errors = []

    def runner(function):
        try:
            barrier.wait()
            function()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_many_users_liking_at_once_count_exactly():
    owner = VerifiedUserFactory()
    post = make_post(owner, text="popular")
    fans = [VerifiedUserFactory() for _ in range(THREADS)]

    run_together([lambda fan=fan: services.like(user=fan, target=post) for fan in fans])

    assert Post.objects.get(pk=post.pk).likes_count == THREADS == Like.objects.filter(post=post).count()
    [note] = Notification.objects.filter(recipient=owner, kind="like")
    assert note.actor_count == THREADS


def test_one_user_liking_at_once_from_many_requests_counts_once():
    owner = VerifiedUserFactory()
    post = make_post(owner, text="double tap")
    fan = VerifiedUserFactory()
    states = []

    run_together([lambda: states.append(services.like(user=fan, target=post)) for _ in range(THREADS)])

    assert Like.objects.filter(post=post).count() == 1
    assert Post.objects.get(pk=post.pk).likes_count == 1
    assert {(s.liked, s.likes_count) for s in states} == {(True, 1)}
    assert Notification.objects.filter(recipient=owner, kind="like").count() == 1


def test_concurrent_unlikes_and_saves_stay_exact():
    owner = VerifiedUserFactory()
    post = make_post(owner, text="bookmark me")
    fans = [VerifiedUserFactory() for _ in range(THREADS)]
    for fan in fans:
        services.like(user=fan, target=post)

    # every fan unlikes twice at once and saves twice at once
    calls = []
    for fan in fans:
        calls += [lambda fan=fan: services.unlike(user=fan, target=post)] * 2
        calls += [lambda fan=fan: services.save(user=fan, content=post)] * 2
    run_together(calls)

    refreshed = Post.objects.get(pk=post.pk)
    assert (refreshed.likes_count, Like.objects.count()) == (0, 0)
    assert (refreshed.saves_count, Save.objects.count()) == (THREADS, THREADS)
