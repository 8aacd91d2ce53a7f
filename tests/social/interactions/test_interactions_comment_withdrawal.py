"""Deleting or removing a comment withdraws exactly what it notified: the `comment`, `reply` and
`mention` notifications it produced, and from a group only this comment's contribution (its
author stays named while another live comment of theirs is in the same group)."""

from datetime import timedelta

import pytest
from django.conf import settings

from notifications.models import Notification
from social.services import comments as services
from tests.content.post_factories import VerifiedUserFactory
from tests.factories import UserFactory, with_role
from tests.social.interactions.helpers import client_for, notifications_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob():
    return VerifiedUserFactory(handle="bob", display_name="Bob")


@pytest.fixture
def carol():
    return VerifiedUserFactory(handle="carol", display_name="Carol")


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one"), "moderator")


def actors_of(note: Notification) -> set[str]:
    return {link.actor.handle for link in note.actor_links.select_related("actor")}


def the_one(user, kind) -> Notification:
    [note] = notifications_of(user, kind)
    return note


def withdraw(how: str, comment, *, owner, moderator):
    if how == "author":
        services.comment_delete(comment=comment, by=comment.author, content=comment.post or comment.video)
    elif how == "owner":
        services.comment_delete(comment=comment, by=owner, content=comment.post or comment.video)
    else:
        services.comment_moderate(comment=comment, status="removed", reason="spam", by=moderator)


WAYS = ["author", "owner", "moderator"]


@pytest.mark.parametrize("how", WAYS)
def test_the_only_comment_behind_a_notification_takes_it_away(how, actor, owner, post, moderator):
    comment = services.comment_create(author=actor, content=post, text="first!")
    assert the_one(owner, "comment").actor_count == 1

    withdraw(how, comment, owner=owner, moderator=moderator)

    assert notifications_of(owner).count() == 0
    [gone] = Notification.all_objects.filter(recipient=owner, kind="comment")
    assert (gone.deleted_at is not None, gone.actor_count, gone.actor_links.count()) == (True, 0, 0)


def test_on_a_video_too(actor, owner, video):
    comment = services.comment_create(author=actor, content=video, text="nice")

    services.comment_delete(comment=comment, by=actor, content=video)

    assert notifications_of(owner).count() == 0


@pytest.mark.parametrize("how", WAYS)
def test_one_of_several_actors_leaves_the_group(how, actor, bob, carol, owner, post, moderator):
    mine = services.comment_create(author=actor, content=post, text="one")
    services.comment_create(author=bob, content=post, text="two")
    services.comment_create(author=carol, content=post, text="three")
    assert the_one(owner, "comment").actor_count == 3

    withdraw(how, mine, owner=owner, moderator=moderator)

    note = the_one(owner, "comment")
    assert (note.actor_count, actors_of(note)) == (2, {"bob", "carol"})
    assert Notification.all_objects.filter(recipient=owner).count() == 1


def test_the_inbox_no_longer_names_the_actor(actor, bob, owner, post):
    mine = services.comment_create(author=actor, content=post, text="one")
    services.comment_create(author=bob, content=post, text="two")

    response = client_for(actor).delete(f"/api/v1/comments/{mine.pk}/")

    assert response.status_code == 204
    [row] = client_for(owner).get("/api/v1/notifications/").json()["results"]
    assert (row["kind"], row["actor_count"]) == ("comment", 1)
    assert [actor["handle"] for actor in row["actors"]] == ["bob"]
    assert row["text"] == f"Bob commented on {the_one(owner, 'comment').target_title}"


def test_an_actor_with_two_comments_stays_until_both_are_gone(actor, bob, owner, post):
    first = services.comment_create(author=actor, content=post, text="one")
    second = services.comment_create(author=actor, content=post, text="two")
    services.comment_create(author=bob, content=post, text="three")
    assert the_one(owner, "comment").actor_count == 2

    services.comment_delete(comment=first, by=actor, content=post)
    note = the_one(owner, "comment")
    assert (note.actor_count, actors_of(note)) == (2, {"actor", "bob"})

    services.comment_delete(comment=second, by=owner, content=post)
    note = the_one(owner, "comment")
    assert (note.actor_count, actors_of(note)) == (1, {"bob"})


def test_a_sole_actor_with_two_comments_keeps_the_notification_until_the_last(actor, owner, post):
    first = services.comment_create(author=actor, content=post, text="one")
    second = services.comment_create(author=actor, content=post, text="two")

    services.comment_delete(comment=second, by=actor, content=post)
    assert the_one(owner, "comment").actor_count == 1

    services.comment_delete(comment=first, by=actor, content=post)
    assert notifications_of(owner).count() == 0


def test_a_removed_comment_does_not_keep_its_author_named(actor, bob, owner, post, moderator):
    first = services.comment_create(author=actor, content=post, text="spam")
    second = services.comment_create(author=actor, content=post, text="more spam")
    services.comment_create(author=bob, content=post, text="hi")
    services.comment_moderate(comment=first, status="removed", reason="spam", by=moderator)

    services.comment_delete(comment=second, by=actor, content=post)

    note = the_one(owner, "comment")
    assert (note.actor_count, actors_of(note)) == (1, {"bob"})


def test_deleting_a_removed_comment_changes_nothing_more(actor, owner, post, moderator):
    removed = services.comment_create(author=actor, content=post, text="spam")
    services.comment_moderate(comment=removed, status="removed", reason="spam", by=moderator)
    services.comment_create(author=actor, content=post, text="sorry")  # back in a new group

    services.comment_delete(comment=removed, by=actor, content=post)
    services.comment_delete(comment=removed, by=actor, content=post)

    note = the_one(owner, "comment")
    assert (note.actor_count, actors_of(note)) == (1, {"actor"})
    assert Notification.all_objects.filter(recipient=owner, deleted_at__isnull=False).count() == 1


def test_restoring_a_removed_comment_does_not_notify_again(actor, owner, post, moderator):
    comment = services.comment_create(author=actor, content=post, text="borderline")
    services.comment_moderate(comment=comment, status="removed", reason="check", by=moderator)

    services.comment_moderate(comment=comment, status="visible", reason="", by=moderator)

    assert notifications_of(owner).count() == 0


def test_only_the_group_the_comment_went_into_changes(actor, owner, post):
    old = services.comment_create(author=actor, content=post, text="yesterday")
    window = timedelta(hours=settings.NOTIFICATIONS_GROUP_WINDOW_HOURS + 1)
    old_group = the_one(owner, "comment")
    Notification.objects.filter(pk=old_group.pk).update(created_at=old_group.created_at - window)
    services.comment_create(author=actor, content=post, text="today")
    assert notifications_of(owner, "comment").count() == 2

    services.comment_delete(comment=old, by=actor, content=post)

    [left] = notifications_of(owner, "comment")
    assert left.pk != old_group.pk
    assert (left.actor_count, actors_of(left)) == (1, {"actor"})


def test_deleting_a_reply_withdraws_its_reply_and_comment_notifications(actor, bob, carol, owner, post):
    root = services.comment_create(author=carol, content=post, text="root")
    notifications_of(owner).delete()
    mine = services.comment_create(author=actor, content=post, text="answer", parent=root)
    services.comment_create(author=bob, content=post, text="me too", parent=root)
    assert (the_one(carol, "reply").actor_count, the_one(owner, "comment").actor_count) == (2, 2)

    services.comment_delete(comment=mine, by=actor, content=post)

    reply, comment = the_one(carol, "reply"), the_one(owner, "comment")
    assert (reply.actor_count, actors_of(reply)) == (1, {"bob"})
    assert (comment.actor_count, actors_of(comment)) == (1, {"bob"})


def test_two_replies_of_one_actor_under_one_parent(actor, carol, owner, post):
    root = services.comment_create(author=carol, content=post, text="root")
    first = services.comment_create(author=actor, content=post, text="a", parent=root)
    second = services.comment_create(author=actor, content=post, text="b", parent=root)

    services.comment_delete(comment=first, by=actor, content=post)
    assert the_one(carol, "reply").actor_count == 1

    services.comment_delete(comment=second, by=actor, content=post)
    assert notifications_of(carol, "reply").count() == 0
    # carol's root comment is still live: the owner's group keeps her
    note = the_one(owner, "comment")
    assert (note.actor_count, actors_of(note)) == (1, {"carol"})


def test_a_reply_under_another_parent_does_not_keep_the_actor_in_this_reply_group(actor, bob, carol, owner, post):
    root = services.comment_create(author=carol, content=post, text="root")
    other_root = services.comment_create(author=carol, content=post, text="another root")
    here = services.comment_create(author=actor, content=post, text="a", parent=root)
    services.comment_create(author=bob, content=post, text="b", parent=root)
    services.comment_create(author=actor, content=post, text="c", parent=other_root)
    assert the_one(owner, "comment").actor_count == 3  # carol, actor, bob

    services.comment_delete(comment=here, by=actor, content=post)

    reply_here = notifications_of(carol, "reply").get(target_object_id=str(root.pk))
    reply_there = notifications_of(carol, "reply").get(target_object_id=str(other_root.pk))
    assert (reply_here.actor_count, actors_of(reply_here)) == (1, {"bob"})
    assert (reply_there.actor_count, actors_of(reply_there)) == (1, {"actor"})
    # the actor's reply under the other root still comments on the owner's post
    assert the_one(owner, "comment").actor_count == 3


@pytest.mark.parametrize("how", WAYS)
def test_deleting_a_comment_withdraws_its_mentions(how, actor, bob, carol, owner, post, moderator):
    comment = services.comment_create(author=actor, content=post, text="@carol look")
    services.comment_edit(comment=comment, by=actor, text="@carol @bob look")
    other = services.comment_create(author=actor, content=post, text="@carol again")
    assert (notifications_of(carol, "mention").count(), notifications_of(bob, "mention").count()) == (2, 1)

    withdraw(how, comment, owner=owner, moderator=moderator)

    [left] = notifications_of(carol, "mention")
    assert left.target_object_id == str(other.pk)
    assert notifications_of(bob).count() == 0
    assert the_one(owner, "comment").actor_count == 1  # `other` keeps the actor in the owner's group


def test_a_mention_dropped_by_an_edit_is_withdrawn_with_the_comment(actor, carol, owner, post):
    comment = services.comment_create(author=actor, content=post, text="@carol look")
    services.comment_edit(comment=comment, by=actor, text="never mind")

    services.comment_delete(comment=comment, by=actor, content=post)

    assert notifications_of(carol).count() == 0


def test_other_users_notifications_are_untouched(actor, bob, owner, post):
    comment = services.comment_create(author=actor, content=post, text="hi")
    bob_post_comment = services.comment_create(author=bob, content=post, text="@actor hi")
    assert notifications_of(actor, "mention").count() == 1

    services.comment_delete(comment=comment, by=actor, content=post)

    assert notifications_of(actor, "mention").get().target_object_id == str(bob_post_comment.pk)
    note = the_one(owner, "comment")
    assert (note.actor_count, actors_of(note)) == (1, {"bob"})
