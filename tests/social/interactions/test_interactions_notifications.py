"""Notifications end to end: reposts and quotes (content's services) notify the original's author
once; nothing reaches a user from someone they block, are blocked by, or mute; never for
self-actions."""

import pytest

from content.services import posts as post_services
from core.errors import PermissionDeniedError
from social.services import comments as comment_services
from social.services import likes as like_services
from tests.content.post_factories import VerifiedUserFactory
from tests.social.interactions.helpers import block, client_for, mute, notifications_of

pytestmark = pytest.mark.django_db


def test_repost_notifies_once_even_after_undo_and_redo(actor, owner, post):
    post_services.post_repost(user=actor, post=post)
    [note] = notifications_of(owner, "repost")
    assert note.target_object_id == str(post.pk)

    post_services.post_unrepost(user=actor, post=post)
    assert notifications_of(owner, "repost").count() == 0
    post_services.post_repost(user=actor, post=post)
    assert notifications_of(owner, "repost").count() == 0


def test_each_quote_notifies_once(actor, owner, post):
    first, _ = post_services.post_quote(
        user=actor, post=post, content=post_services.PostContent(text="so good"), idempotency_key="q1"
    )
    post_services.post_quote(
        user=actor, post=post, content=post_services.PostContent(text="so good"), idempotency_key="q1"
    )  # replayed: same quote

    [note] = notifications_of(owner, "quote")
    assert note.data == {"post_id": str(post.pk), "quote_id": str(first.pk)}


def test_repost_through_the_api_notifies(actor, owner, post):
    response = client_for(actor).post(f"/api/v1/posts/{post.pk}/repost/")

    assert response.status_code == 201
    assert [n.kind for n in notifications_of(owner)] == ["repost"]


def test_self_actions_never_notify(owner, post):
    comment = comment_services.comment_create(author=owner, content=post, text="note to self @owner")
    comment_services.comment_create(author=owner, content=post, text="again", parent=comment)
    like_services.like(user=owner, target=post)
    like_services.like(user=owner, target=comment, content=post)
    post_services.post_quote(user=owner, post=post, content=post_services.PostContent(text="me again"))

    assert notifications_of(owner).count() == 0


@pytest.mark.parametrize("relation", ["owner_mutes_actor", "owner_blocks_actor_after_acting"])
def test_nothing_from_a_muted_or_blocked_user(relation, actor, owner, post):
    if relation == "owner_mutes_actor":
        mute(owner, actor)
    comment = comment_services.comment_create(author=owner, content=post, text="hello")
    if relation == "owner_mutes_actor":
        like_services.like(user=actor, target=post)
        comment_services.comment_create(author=actor, content=post, text="hey @owner", parent=comment)
        post_services.post_repost(user=actor, post=post)
        post_services.post_quote(user=actor, post=post, content=post_services.PostContent(text="look"))
    else:
        # The actor acted before the block; after it, reposts and quotes are refused.
        like_services.like(user=actor, target=post)
        notifications_of(owner).delete()
        block(owner, actor)
        with pytest.raises(PermissionDeniedError):
            post_services.post_repost(user=actor, post=post)
        with pytest.raises(PermissionDeniedError):
            post_services.post_quote(user=actor, post=post, content=post_services.PostContent(text="look"))

    assert notifications_of(owner).count() == 0


def test_a_mention_of_someone_muting_the_author_is_dropped(actor, owner, post):
    carol = VerifiedUserFactory(handle="carol")
    mute(carol, actor)

    comment_services.comment_create(author=actor, content=post, text="@carol see this")

    assert notifications_of(carol).count() == 0
    assert notifications_of(owner, "comment").count() == 1


def test_each_comment_action_notifies_exactly_once(actor, owner, post):
    commenter = VerifiedUserFactory()
    root = comment_services.comment_create(author=commenter, content=post, text="root")
    notifications_of(owner).delete()

    reply = comment_services.comment_create(author=actor, content=post, text="answer", parent=root)
    comment_services.comment_edit(comment=reply, by=actor, text="better answer")  # no new mention: nothing

    assert [n.kind for n in notifications_of(commenter)] == ["reply"]
    assert [n.kind for n in notifications_of(owner)] == ["comment"]
    assert notifications_of(actor).count() == 0
