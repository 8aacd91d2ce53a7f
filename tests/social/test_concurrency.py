"""Counters stay exact when many follow (and unfollow) at once: real threads, real transactions."""

import contextlib
import threading

import pytest
from django.db import connection

from accounts.models import User
from core.errors import NotFoundError
from social.models import Follow, FollowRequest
from social.services import graph as services
from tests.content.post_factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_all(calls):
    errors = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_concurrent_follows_keep_counts_exact():
    star = VerifiedUserFactory(handle="star")
    fans = [VerifiedUserFactory() for _ in range(8)]

    # Every fan follows twice at once (the same pair races too), and the star follows two back.
    calls = [lambda fan=fan: services.follow_create(follower=fan, followee=star) for fan in fans * 2]
    calls += [lambda fan=fan: services.follow_create(follower=star, followee=fan) for fan in fans[:2]]
    run_all(calls)

    star = User.objects.get(pk=star.pk)
    assert Follow.objects.filter(followee=star).count() == 8
    assert star.followers_count == 8
    assert star.following_count == 2
    assert sorted(User.objects.filter(pk__in=[f.pk for f in fans]).values_list("following_count", flat=True)) == [1] * 8


def test_concurrent_unfollows_keep_counts_exact():
    star = VerifiedUserFactory(handle="star")
    fans = [VerifiedUserFactory() for _ in range(6)]
    for fan in fans:
        services.follow_create(follower=fan, followee=star)

    run_all([lambda fan=fan: services.follow_delete(follower=fan, followee=star) for fan in fans * 2])

    star = User.objects.get(pk=star.pk)
    assert star.followers_count == 0
    assert not Follow.objects.exists()
    assert list(User.objects.filter(pk__in=[f.pk for f in fans]).values_list("following_count", flat=True)) == [0] * 6


def test_one_request_approved_many_times_at_once_follows_and_notifies_once():
    from core.errors import NotFoundError
    from notifications.models import Notification

    star = VerifiedUserFactory(handle="star", is_private=True)
    fan = VerifiedUserFactory(handle="fan")
    services.follow_create(follower=fan, followee=star)
    outcomes = []

    def approve():
        try:
            services.follow_request_approve(target=star, requester=fan)
            outcomes.append("approved")
        except NotFoundError as error:
            outcomes.append(error.code)

    run_all([approve] * 6)

    assert sorted(outcomes) == ["approved"] + ["follow_request_not_found"] * 5
    assert Follow.objects.filter(follower=fan, followee=star).count() == 1
    assert User.objects.get(pk=star.pk).followers_count == 1
    [note] = Notification.objects.filter(recipient=fan, kind="follow_request_approved")
    assert list(note.actor_links.values_list("actor_id", flat=True)) == [star.pk]


def test_going_public_while_people_follow_leaves_no_request_behind():
    star = VerifiedUserFactory(handle="star", is_private=True)
    early = [VerifiedUserFactory() for _ in range(3)]
    for fan in early:
        services.follow_create(follower=fan, followee=star)
    racing = [VerifiedUserFactory() for _ in range(6)]

    # Follows race the switch: each either asks before it (and is approved by it) or follows after.
    calls = [lambda fan=fan: services.follow_create(follower=fan, followee=star) for fan in racing]
    calls.insert(3, lambda: services.account_privacy_set(user=star, is_private=False))
    run_all(calls)

    star = User.objects.get(pk=star.pk)
    assert star.is_private is False
    assert not FollowRequest.objects.exists()
    assert Follow.objects.filter(followee=star).count() == 9
    assert star.followers_count == 9


def test_approvals_refollows_cancels_blocks_and_going_public_at_once_never_deadlock():
    """Every graph change that touches a pair's user rows and its request takes the user rows
    first, in id order: many at once, in both directions, finish without a deadlock."""
    star = VerifiedUserFactory(handle="star", is_private=True)
    fans = [VerifiedUserFactory(is_private=True) for _ in range(8)]
    for fan in fans:
        services.follow_create(follower=fan, followee=star)

    def approve(fan):
        with contextlib.suppress(NotFoundError):  # approved already (by the other call, or by going public)
            services.follow_request_approve(target=star, requester=fan)

    calls = [lambda fan=fan: approve(fan) for fan in fans[:2]]
    calls += [lambda fan=fan: services.follow_create(follower=fan, followee=star) for fan in fans[2:4]]
    calls += [lambda fan=fan: services.follow_delete(follower=fan, followee=star) for fan in fans[4:5]]
    calls += [lambda fan=fan: services.block_create(blocker=star, blocked=fan) for fan in fans[5:6]]
    calls += [lambda fan=fan: services.follow_create(follower=star, followee=fan) for fan in fans[6:8]]
    calls += [lambda: services.account_privacy_set(user=star, is_private=False)]
    run_all(calls * 2)  # run_all fails on any exception: a deadlock PostgreSQL broke, say

    star = User.objects.get(pk=star.pk)
    followers = set(Follow.objects.filter(followee=star).values_list("follower_id", flat=True))
    assert followers == {fan.pk for fan in fans[:4] + fans[6:8]}  # fans[4] left, fans[5] was blocked
    assert star.followers_count == 6
    assert not FollowRequest.objects.filter(target=star).exists()
    # The star asked two private fans: those requests wait for them.
    assert set(FollowRequest.objects.values_list("requester_id", "target_id")) == {
        (star.pk, fan.pk) for fan in fans[6:8]
    }
    assert star.following_count == 0
