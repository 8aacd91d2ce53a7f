"""Moderators' read-only lookups of follows and blocks; demo follows; the account purge and
the data export of the graph."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import demo as account_demo
from accounts.models import User
from accounts.services.export import archive_build
from social import demo
from social.models import Block, Follow, FollowRequest, Mute
from social.services import graph as services
from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one"), "moderator")


def listed(response):
    assert response.status_code == 200
    return {str(row) for row in response.context["cl"].result_list}


def test_moderators_look_up_follows_and_blocks_by_handle(moderator, ana, bob, carol):
    services.follow_create(follower=ana, followee=bob)
    services.follow_create(follower=carol, followee=ana)
    services.block_create(blocker=carol, blocked=bob)
    client = verified_client(moderator)

    follows = client.get("/admin/social/follow/", {"q": "@bob"})
    blocks = client.get("/admin/social/block/", {"q": "bob"})

    assert listed(follows) == {f"{ana.pk} follows {bob.pk}"}
    assert listed(blocks) == {f"{carol.pk} blocks {bob.pk}"}
    assert len(listed(client.get("/admin/social/follow/", {"q": "ana"}))) == 2


def test_the_graph_admin_is_read_only(moderator, ana, bob):
    services.follow_create(follower=ana, followee=bob)
    follow = Follow.objects.get()
    client = verified_client(moderator)

    assert client.get("/admin/social/follow/add/").status_code == 403
    assert client.post(f"/admin/social/follow/{follow.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/social/follow/{follow.pk}/change/").status_code == 200
    assert Follow.objects.count() == 1


def test_users_without_the_permission_cannot_look(ana):
    staff = UserFactory(handle="staff_only", is_staff=True)

    assert verified_client(staff).get("/admin/social/follow/").status_code == 403


def test_demo_follows_are_seeded_once():
    account_demo.seed(report=lambda line: None)

    demo.seed(report=lambda line: None)
    demo.seed(report=lambda line: None)

    pairs = set(Follow.objects.values_list("follower__handle", "followee__handle"))
    assert pairs == {
        ("demo_viewer", "demo_creator"),
        ("demo_moderator", "demo_creator"),
        ("demo_creator", "demo_viewer"),
        ("demo_admin", "demo_creator"),
    }
    assert User.objects.get(handle="demo_creator").followers_count == 3


def test_the_purge_removes_the_graph_and_fixes_counters(settings, ana, bob, carol):
    services.follow_create(follower=ana, followee=bob)
    services.follow_create(follower=bob, followee=ana)
    services.follow_create(follower=ana, followee=carol)
    services.mute_create(muter=carol, muted=ana)
    services.block_create(blocker=ana, blocked=carol)  # ends ana -> carol
    bob.is_private = True
    bob.save(update_fields=["is_private"])
    services.follow_create(follower=carol, followee=bob)  # a request
    User.all_objects.filter(pk=ana.pk).update(
        deleted_at=timezone.now() - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS + 1)
    )
    out = io.StringIO()

    call_command("purge_deleted_accounts", stdout=out)

    assert "follows, follow requests, blocks and mutes" in out.getvalue()
    assert not Follow.objects.exists()
    assert not Block.objects.exists()
    assert not Mute.objects.exists()
    assert list(FollowRequest.objects.values_list("requester__handle", flat=True)) == ["carol"]
    bob = User.objects.get(pk=bob.pk)
    assert (bob.followers_count, bob.following_count) == (0, 0)


def test_the_export_lists_the_graph(ana, bob, carol):
    services.follow_create(follower=ana, followee=bob)
    services.follow_create(follower=carol, followee=ana)
    services.mute_create(muter=ana, muted=carol)
    services.block_create(blocker=ana, blocked=UserFactory(handle="troll"))

    section = json.loads(json.dumps(archive_build(user=ana), default=str))["sections"]["social_graph"]

    assert [row["handle"] for row in section["following"]] == ["bob"]
    assert [row["handle"] for row in section["followers"]] == ["carol"]
    assert [row["handle"] for row in section["mutes"]] == ["carol"]
    assert [row["handle"] for row in section["blocks"]] == ["troll"]
    assert section["follow_requests_sent"] == []
