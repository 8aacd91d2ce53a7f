"""Follows, follow requests, blocks and mutes: services and /api/v1/social/, for the actor,
the other user, a blocked user, a muted user and an anonymous client."""

import pytest

from accounts.models import User
from core.errors import NotFoundError
from notifications.models import Notification, NotificationSettings
from social.models import Block, Follow, FollowRequest, Mute
from social.services import graph as services

pytestmark = pytest.mark.django_db

SOCIAL = "/api/v1/social"


def code(response):
    return response.json()["errors"][0]["code"]


def counts(user):
    user = User.objects.get(pk=user.pk)
    return user.followers_count, user.following_count


def follow_notifications(recipient, kind="follow"):
    return list(Notification.objects.filter(recipient=recipient, kind=kind))


# --- follow ----------------------------------------------------------------------------------------


def test_follow_is_idempotent_and_counts_once(as_user, ana, bob):
    client = as_user(ana)

    first = client.post(f"{SOCIAL}/users/bob/follow/")
    second = client.post(f"{SOCIAL}/users/bob/follow/")

    assert first.status_code == second.status_code == 200
    assert first.json()["state"] == second.json()["state"] == "following"
    assert second.json()["user"]["handle"] == "bob"
    assert second.json()["user"]["followers_count"] == 1
    assert Follow.objects.filter(follower=ana, followee=bob).count() == 1
    assert counts(bob) == (1, 0)
    assert counts(ana) == (0, 1)
    assert len(follow_notifications(bob)) == 1


def test_unfollow_is_idempotent(as_user, ana, bob):
    services.follow_create(follower=ana, followee=bob)
    client = as_user(ana)

    first = client.delete(f"{SOCIAL}/users/bob/follow/")
    second = client.delete(f"{SOCIAL}/users/bob/follow/")

    assert first.status_code == second.status_code == 200
    assert first.json()["state"] == second.json()["state"] == "none"
    assert not Follow.objects.exists()
    assert counts(bob) == (0, 0)
    assert counts(ana) == (0, 0)


def test_follow_notification_is_sent_once_even_after_unfollow_and_follow_again(ana, bob):
    services.follow_create(follower=ana, followee=bob)
    services.follow_delete(follower=ana, followee=bob)
    services.follow_create(follower=ana, followee=bob)

    notifications = follow_notifications(bob)
    assert len(notifications) == 1
    assert notifications[0].actor_count == 1
    assert follow_notifications(ana) == []


def test_self_follow_is_refused_with_a_stable_code(as_user, ana):
    response = as_user(ana).post(f"{SOCIAL}/users/ana/follow/")

    assert response.status_code == 400
    assert code(response) == "cannot_follow_self"
    assert not Follow.objects.exists()
    assert counts(ana) == (0, 0)
    assert follow_notifications(ana) == []


def test_anonymous_cannot_follow(api_client, bob):
    response = api_client.post(f"{SOCIAL}/users/bob/follow/")

    assert response.status_code in (401, 403)
    assert not Follow.objects.exists()


def test_following_an_unknown_user_is_404(as_user, ana):
    response = as_user(ana).post(f"{SOCIAL}/users/nobody/follow/")

    assert response.status_code == 404
    assert code(response) == "user_not_found"


def test_blocked_user_cannot_follow_the_blocker(as_user, ana, bob):
    services.block_create(blocker=bob, blocked=ana)

    response = as_user(ana).post(f"{SOCIAL}/users/bob/follow/")

    assert response.status_code == 403
    assert code(response) == "blocked"
    assert not Follow.objects.exists()


def test_blocker_cannot_follow_whom_they_block(as_user, ana, bob):
    services.block_create(blocker=ana, blocked=bob)

    response = as_user(ana).post(f"{SOCIAL}/users/bob/follow/")

    assert response.status_code == 403
    assert code(response) == "blocked"


def test_a_muted_user_can_still_follow_the_muter_and_is_not_told(as_user, ana, bob):
    services.mute_create(muter=bob, muted=ana)

    response = as_user(ana).post(f"{SOCIAL}/users/bob/follow/")

    assert response.status_code == 200
    assert response.json()["state"] == "following"
    assert counts(bob) == (1, 0)
    # Muted: bob is not notified.
    assert follow_notifications(bob) == []


# --- private accounts ------------------------------------------------------------------------------


@pytest.fixture
def private_bob(bob):
    bob.is_private = True
    bob.save(update_fields=["is_private"])
    return bob


def test_following_a_private_account_sends_one_request(as_user, ana, private_bob):
    client = as_user(ana)

    first = client.post(f"{SOCIAL}/users/bob/follow/")
    second = client.post(f"{SOCIAL}/users/bob/follow/")

    assert first.json()["state"] == second.json()["state"] == "requested"
    assert FollowRequest.objects.filter(requester=ana, target=private_bob).count() == 1
    assert not Follow.objects.exists()
    assert counts(private_bob) == (0, 0)
    assert len(follow_notifications(private_bob, "follow_request")) == 1


def test_target_lists_and_approves_a_request(as_user, ana, carol, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    services.follow_create(follower=carol, followee=private_bob)
    client = as_user(private_bob)

    listed = client.get(f"{SOCIAL}/follow-requests/")
    approved = client.post(f"{SOCIAL}/follow-requests/ana/approve/")
    again = client.post(f"{SOCIAL}/follow-requests/ana/approve/")

    assert [row["user"]["handle"] for row in listed.json()["results"]] == ["carol", "ana"]
    assert approved.status_code == 204
    assert again.status_code == 404
    assert code(again) == "follow_request_not_found"
    assert Follow.objects.filter(follower=ana, followee=private_bob).exists()
    assert counts(private_bob) == (1, 0)
    assert counts(ana) == (0, 1)
    assert list(FollowRequest.objects.values_list("requester__handle", flat=True)) == ["carol"]


def test_target_rejects_a_request(as_user, ana, private_bob):
    services.follow_create(follower=ana, followee=private_bob)

    response = as_user(private_bob).post(f"{SOCIAL}/follow-requests/ana/reject/")

    assert response.status_code == 204
    assert not FollowRequest.objects.exists()
    assert not Follow.objects.exists()
    assert follow_notifications(private_bob, "follow_request") == []


def test_requester_cancels_their_own_request(as_user, ana, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    client = as_user(ana)

    sent = client.get(f"{SOCIAL}/follow-requests/sent/")
    cancelled = client.delete(f"{SOCIAL}/users/bob/follow/")

    assert [row["user"]["handle"] for row in sent.json()["results"]] == ["bob"]
    assert cancelled.json()["state"] == "none"
    assert not FollowRequest.objects.exists()
    assert follow_notifications(private_bob, "follow_request") == []


def test_another_user_cannot_approve_someone_elses_request(as_user, ana, carol, private_bob):
    services.follow_create(follower=ana, followee=private_bob)

    response = as_user(carol).post(f"{SOCIAL}/follow-requests/ana/approve/")

    assert response.status_code == 404
    assert FollowRequest.objects.count() == 1


def test_private_account_lists_are_for_itself_and_followers(as_user, api_client, ana, carol, private_bob):
    services.follow_create(follower=carol, followee=private_bob)
    services.follow_request_approve(target=private_bob, requester=carol)

    assert api_client.get(f"{SOCIAL}/users/bob/followers/").status_code == 403
    assert code(as_user(ana).get(f"{SOCIAL}/users/bob/followers/")) == "private_account"
    assert as_user(carol).get(f"{SOCIAL}/users/bob/followers/").status_code == 200
    response = as_user(private_bob).get(f"{SOCIAL}/users/bob/followers/")
    assert [row["user"]["handle"] for row in response.json()["results"]] == ["carol"]


def approved_notifications(recipient):
    return follow_notifications(recipient, "follow_request_approved")


def test_approving_a_request_notifies_the_requester_once(as_user, ana, carol, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    services.follow_create(follower=carol, followee=private_bob)

    approved = as_user(private_bob).post(f"{SOCIAL}/follow-requests/ana/approve/")
    again = as_user(private_bob).post(f"{SOCIAL}/follow-requests/ana/approve/")

    assert (approved.status_code, again.status_code) == (204, 404)
    [note] = approved_notifications(ana)
    assert [link.actor_id for link in note.actor_links.all()] == [private_bob.pk]
    assert (note.actor_count, note.target_object_id) == (1, str(private_bob.pk))
    assert note.keys.get().key.startswith("follow_request_approved:")
    assert approved_notifications(carol) == []  # still pending: nobody told carol anything
    assert approved_notifications(private_bob) == []
    listed = as_user(ana).get("/api/v1/notifications/").json()["results"]
    assert [(row["kind"], row["text"]) for row in listed] == [
        ("follow_request_approved", "Bob Stone accepted your follow request")
    ]


def test_a_rejected_or_cancelled_request_cannot_be_approved_and_notifies_nobody(ana, carol, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    services.follow_create(follower=carol, followee=private_bob)
    services.follow_request_cancel(requester=ana, target=private_bob)
    services.follow_request_reject(target=private_bob, requester=carol)

    for requester in (ana, carol):
        with pytest.raises(NotFoundError) as error:
            services.follow_request_approve(target=private_bob, requester=requester)
        assert error.value.code == "follow_request_not_found"

    assert Notification.objects.filter(kind="follow_request_approved").count() == 0
    assert not Follow.objects.exists()


def test_each_approved_request_notifies_once(ana, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    services.follow_request_approve(target=private_bob, requester=ana)
    services.follow_delete(follower=ana, followee=private_bob)
    services.follow_create(follower=ana, followee=private_bob)  # a new request
    services.follow_request_approve(target=private_bob, requester=ana)

    assert len(approved_notifications(ana)) == 2
    assert Follow.objects.filter(follower=ana, followee=private_bob).count() == 1


def test_no_approval_notification_from_someone_the_requester_mutes(ana, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    services.mute_create(muter=ana, muted=private_bob)

    services.follow_request_approve(target=private_bob, requester=ana)

    assert Follow.objects.filter(follower=ana, followee=private_bob).exists()
    assert approved_notifications(ana) == []


def test_no_approval_notification_when_the_requester_turned_the_kind_off(ana, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    NotificationSettings.objects.create(
        user=ana, channels={"follow_request_approved": {"in_app": False, "push": False}}
    )

    services.follow_request_approve(target=private_bob, requester=ana)

    assert Follow.objects.filter(follower=ana, followee=private_bob).exists()
    assert Notification.all_objects.filter(recipient=ana).count() == 0


@pytest.mark.parametrize("blocker", ["requester", "target"])
def test_a_block_before_approval_leaves_nothing_to_approve(blocker, ana, private_bob):
    services.follow_create(follower=ana, followee=private_bob)
    if blocker == "requester":
        services.block_create(blocker=ana, blocked=private_bob)
    else:
        services.block_create(blocker=private_bob, blocked=ana)

    with pytest.raises(NotFoundError):
        services.follow_request_approve(target=private_bob, requester=ana)

    assert approved_notifications(ana) == []


@pytest.mark.parametrize("blocker", ["requester", "target"])
def test_a_block_after_approval_withdraws_the_notification(blocker, ana, carol, private_bob):
    for requester in (ana, carol):
        services.follow_create(follower=requester, followee=private_bob)
        services.follow_request_approve(target=private_bob, requester=requester)
    if blocker == "requester":
        services.block_create(blocker=ana, blocked=private_bob)
    else:
        services.block_create(blocker=private_bob, blocked=ana)

    assert approved_notifications(ana) == []
    assert Notification.all_objects.filter(recipient=ana, kind="follow_request_approved").count() == 1  # soft
    assert len(approved_notifications(carol)) == 1


def test_the_new_kind_is_in_the_preferences(as_user, ana):
    kinds = as_user(ana).get("/api/v1/notifications/settings/").json()["kinds"]

    [approved] = [row for row in kinds if row["kind"] == "follow_request_approved"]
    assert approved["label"] == "Accepted follow requests"
    assert approved["channels"] == {"in_app": True, "email": False, "push": True}


# --- lists -----------------------------------------------------------------------------------------


def test_follower_and_following_lists_are_paginated_newest_first(api_client, ana, bob, carol):
    services.follow_create(follower=bob, followee=ana)
    services.follow_create(follower=carol, followee=ana)
    services.follow_create(follower=ana, followee=carol)

    first = api_client.get(f"{SOCIAL}/users/ana/followers/", {"page_size": 1})
    second = api_client.get(first.json()["next"])
    following = api_client.get(f"{SOCIAL}/users/ana/following/")

    assert [row["user"]["handle"] for row in first.json()["results"]] == ["carol"]
    assert [row["user"]["handle"] for row in second.json()["results"]] == ["bob"]
    assert second.json()["next"] is None
    assert [row["user"]["handle"] for row in following.json()["results"]] == ["carol"]


@pytest.mark.parametrize("page_size", [5, 20])
def test_follower_list_query_count_is_fixed(api_client, ana, page_size, django_assert_max_num_queries):
    from tests.content.post_factories import VerifiedUserFactory

    for _ in range(page_size):
        services.follow_create(follower=VerifiedUserFactory(), followee=ana)

    # the user; the page (followers joined)
    with django_assert_max_num_queries(2):
        response = api_client.get(f"{SOCIAL}/users/ana/followers/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_lists_of_a_blocker_are_hidden_from_the_blocked_user(as_user, ana, bob):
    services.block_create(blocker=bob, blocked=ana)

    response = as_user(ana).get(f"{SOCIAL}/users/bob/followers/")

    assert response.status_code == 404
    assert code(response) == "user_not_found"


def test_remove_a_follower(as_user, ana, bob):
    services.follow_create(follower=bob, followee=ana)

    response = as_user(ana).delete(f"{SOCIAL}/followers/bob/")

    assert response.status_code == 204
    assert not Follow.objects.exists()
    assert counts(ana) == (0, 0)
    assert counts(bob) == (0, 0)


# --- blocks and mutes ------------------------------------------------------------------------------


def test_block_removes_follows_both_ways_and_requests_with_counters_fixed(as_user, ana, bob, carol):
    services.follow_create(follower=ana, followee=bob)
    services.follow_create(follower=bob, followee=ana)
    services.follow_create(follower=carol, followee=bob)
    client = as_user(bob)

    first = client.post(f"{SOCIAL}/users/ana/block/")
    second = client.post(f"{SOCIAL}/users/ana/block/")

    assert first.status_code == second.status_code == 204
    assert Block.objects.filter(blocker=bob, blocked=ana).count() == 1
    assert list(Follow.objects.values_list("follower__handle", "followee__handle")) == [("carol", "bob")]
    assert counts(ana) == (0, 0)
    assert counts(bob) == (1, 0)
    assert follow_notifications(bob)[0].actor_count == 1  # carol's only: ana's follow was withdrawn


def test_block_removes_pending_requests(ana, private_bob):
    services.follow_create(follower=ana, followee=private_bob)

    services.block_create(blocker=private_bob, blocked=ana)

    assert not FollowRequest.objects.exists()


def test_block_list_and_unblock(as_user, ana, bob, carol):
    client = as_user(ana)
    client.post(f"{SOCIAL}/users/bob/block/")
    client.post(f"{SOCIAL}/users/carol/block/")

    listed = client.get(f"{SOCIAL}/blocks/")
    unblocked = client.delete(f"{SOCIAL}/users/bob/block/")
    again = client.delete(f"{SOCIAL}/users/bob/block/")

    assert [row["user"]["handle"] for row in listed.json()["results"]] == ["carol", "bob"]
    assert unblocked.status_code == again.status_code == 204
    assert list(Block.objects.values_list("blocked__handle", flat=True)) == ["carol"]
    # The blocked user's own list shows nothing: blocks are private.
    assert as_user(carol).get(f"{SOCIAL}/blocks/").json()["results"] == []


def test_self_block_and_self_mute_are_refused(as_user, ana):
    client = as_user(ana)

    blocked = client.post(f"{SOCIAL}/users/ana/block/")
    muted = client.post(f"{SOCIAL}/users/ana/mute/")

    assert (blocked.status_code, code(blocked)) == (400, "cannot_block_self")
    assert (muted.status_code, code(muted)) == (400, "cannot_mute_self")


def test_mute_unmute_and_list(as_user, ana, bob):
    client = as_user(ana)

    assert client.post(f"{SOCIAL}/users/bob/mute/").status_code == 204
    assert client.post(f"{SOCIAL}/users/bob/mute/").status_code == 204
    listed = client.get(f"{SOCIAL}/mutes/")
    assert [row["user"]["handle"] for row in listed.json()["results"]] == ["bob"]
    assert Mute.objects.count() == 1
    # Bob is not told: his lists show nothing, and he can still follow ana.
    assert as_user(bob).get(f"{SOCIAL}/mutes/").json()["results"] == []

    client = as_user(ana)
    assert client.delete(f"{SOCIAL}/users/bob/mute/").status_code == 204
    assert client.delete(f"{SOCIAL}/users/bob/mute/").status_code == 204
    assert not Mute.objects.exists()


def test_anonymous_cannot_block_mute_or_list(api_client, bob):
    assert api_client.post(f"{SOCIAL}/users/bob/block/").status_code in (401, 403)
    assert api_client.post(f"{SOCIAL}/users/bob/mute/").status_code in (401, 403)
    assert api_client.get(f"{SOCIAL}/blocks/").status_code in (401, 403)
    assert api_client.get(f"{SOCIAL}/follow-requests/").status_code in (401, 403)
    assert not Block.objects.exists()
    assert not Mute.objects.exists()


def test_unverified_email_cannot_follow(as_user, bob):
    from tests.factories import UserFactory

    response = as_user(UserFactory(handle="newbie")).post(f"{SOCIAL}/users/bob/follow/")

    assert response.status_code == 403
    assert code(response) == "email_unverified"


# --- account privacy ---------------------------------------------------------------------------------


def test_privacy_reads_and_changes_through_the_api(as_user, ana, bob, carol):
    services.follow_create(follower=carol, followee=ana)
    client = as_user(ana)

    assert client.get(f"{SOCIAL}/privacy/").json() == {"is_private": False, "pending_requests": 0}
    made_private = client.put(f"{SOCIAL}/privacy/", {"is_private": True}, format="json")
    again = client.put(f"{SOCIAL}/privacy/", {"is_private": True}, format="json")
    asked = as_user(bob).post(f"{SOCIAL}/users/ana/follow/")

    assert made_private.status_code == again.status_code == 200
    assert made_private.json() == again.json() == {"is_private": True, "approved": 0}
    assert asked.json()["state"] == "requested"
    assert as_user(ana).get(f"{SOCIAL}/privacy/").json() == {"is_private": True, "pending_requests": 1}
    assert as_user(bob).get("/api/v1/accounts/ana/").json()["is_private"] is True
    # Carol followed before: she still does.
    assert Follow.objects.filter(follower=carol, followee=ana).exists()
    assert counts(ana) == (1, 0)


def test_going_public_approves_every_pending_request_and_notifies_each_requester(as_user, ana, bob, carol):
    services.account_privacy_set(user=ana, is_private=True)
    services.follow_create(follower=bob, followee=ana)
    services.follow_create(follower=carol, followee=ana)
    assert len(follow_notifications(ana, "follow_request")) == 2

    response = as_user(ana).put(f"{SOCIAL}/privacy/", {"is_private": False}, format="json")

    assert response.status_code == 200
    assert response.json() == {"is_private": False, "approved": 2}
    assert not FollowRequest.objects.exists()
    assert sorted(Follow.objects.filter(followee=ana).values_list("follower__handle", flat=True)) == ["bob", "carol"]
    assert counts(ana) == (2, 0)
    assert counts(bob) == (0, 1)
    assert counts(carol) == (0, 1)
    for requester in (bob, carol):
        (approved,) = follow_notifications(requester, "follow_request_approved")
        assert list(approved.actor_links.values_list("actor_id", flat=True)) == [ana.pk]
    assert follow_notifications(ana, "follow_request") == []  # the requests' notifications are withdrawn
    # A follow now is a follow, not a request.
    dave = User.objects.create_user(email="dave@example.com", password="x" * 12, handle="dave")
    assert services.follow_create(follower=dave, followee=ana).state == "following"


@pytest.mark.parametrize(
    ("body", "expected"), [({}, "required"), ({"is_private": "perhaps"}, "invalid"), ({"is_private": None}, "null")]
)
def test_privacy_needs_a_boolean(as_user, ana, body, expected):
    response = as_user(ana).put(f"{SOCIAL}/privacy/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": expected, "detail": response.json()["errors"][0]["detail"], "attr": "is_private"}
    ]
    assert User.objects.get(pk=ana.pk).is_private is False


def test_privacy_is_for_signed_in_users(api_client):
    assert api_client.get(f"{SOCIAL}/privacy/").status_code == 401
    assert api_client.put(f"{SOCIAL}/privacy/", {"is_private": True}, format="json").status_code == 401
