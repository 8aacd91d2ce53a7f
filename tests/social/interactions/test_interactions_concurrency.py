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


def test_comments_made_and_deleted_at_once_leave_exactly_the_live_authors_named():
    """Deletions withdrawing notifications while replies join the same groups: no error (the
    reply and comment group locks are taken in one order) and exactly the live authors named.
    The timing is not forced, so this does not prove every interleaving."""
    from social.services import comments as comment_services

    owner = VerifiedUserFactory()
    post = make_post(owner, text="busy thread")
    root_author = VerifiedUserFactory()
    root = comment_services.comment_create(author=root_author, content=post, text="root")
    ana, bob, cid = (VerifiedUserFactory() for _ in range(3))
    ana_old = [comment_services.comment_create(author=ana, content=post, text=f"a{i}", parent=root) for i in range(3)]
    bob_old = [comment_services.comment_create(author=bob, content=post, text=f"b{i}", parent=root) for i in range(2)]

    def delete(comment):
        return lambda: comment_services.comment_delete(comment=comment, by=comment.author, content=post)

    def reply(author):
        return lambda: comment_services.comment_create(author=author, content=post, text="new", parent=root)

    # ana deletes all three old replies while adding one; bob deletes both and adds none; cid adds one.
    run_together([*(delete(c) for c in ana_old), *(delete(c) for c in bob_old), reply(ana), reply(cid)])

    [replies] = Notification.objects.filter(recipient=root_author, kind="reply")
    assert set(replies.actor_links.values_list("actor_id", flat=True)) == {ana.pk, cid.pk}
    assert replies.actor_count == 2
    [comments] = Notification.objects.filter(recipient=owner, kind="comment")
    assert set(comments.actor_links.values_list("actor_id", flat=True)) == {root_author.pk, ana.pk, cid.pk}
    assert comments.actor_count == 3
