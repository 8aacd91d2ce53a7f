"""Comments through the API: create, reply, edit, delete, comments off, for the actor, the
content's owner, a blocked user, a muted user and an anonymous client."""

import pytest

from content.models import Post, Video
from core.errors import PermissionDeniedError
from social.models import Comment, CommentRevision
from social.services import comments as services
from social.services.comments import COMMENT_MAX_LENGTH
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.social.interactions.helpers import block, client_for, error_code, mute, notifications_of

pytestmark = pytest.mark.django_db


def comments_url(content):
    kind = "posts" if isinstance(content, Post) else "videos"
    return f"/api/v1/{kind}/{content.pk}/comments/"


def comment_url(comment, suffix=""):
    return f"/api/v1/comments/{comment.pk}/{suffix}"


@pytest.mark.parametrize("kind", ["post", "video"])
def test_actor_comments_and_the_owner_is_notified_once(kind, actor, owner, post, video):
    content = post if kind == "post" else video

    response = client_for(actor).post(comments_url(content), {"text": "  Lovely work  "}, format="json")

    assert response.status_code == 201
    body = response.json()
    comment = Comment.objects.get()
    assert body["id"] == str(comment.pk)
    assert body[f"{kind}_id"] == str(content.pk)
    assert body["text"] == "Lovely work"
    assert body["author"]["handle"] == "actor"
    assert (body["depth"], body["display_depth"], body["parent_id"], body["reply_to"]) == (0, 0, None, None)
    assert body["root_id"] == str(comment.pk)
    assert body["state"] == "visible"
    assert comment.root_id == comment.pk
    assert comment.path == comment.pk.hex
    content.refresh_from_db()
    assert content.comments_count == 1
    notes = list(notifications_of(owner))
    assert [(n.kind, n.target_object_id) for n in notes] == [("comment", str(content.pk))]
    assert notes[0].data["comment_id"] == str(comment.pk)


def test_owner_comments_on_own_post_without_notification(owner, post):
    response = client_for(owner).post(comments_url(post), {"text": "Thanks all"}, format="json")

    assert response.status_code == 201
    assert notifications_of(owner).count() == 0
    post.refresh_from_db()
    assert post.comments_count == 1


@pytest.mark.parametrize("direction", ["owner_blocks_actor", "actor_blocks_owner"])
def test_blocked_user_cannot_comment(direction, actor, owner, post):
    block(owner, actor) if direction == "owner_blocks_actor" else block(actor, owner)

    response = client_for(actor).post(comments_url(post), {"text": "hi"}, format="json")

    # A block either way hides the owner's post from the other user.
    assert response.status_code == 404
    assert error_code(response) == "post_not_found"
    assert Comment.objects.count() == 0
    assert notifications_of(owner).count() == 0


def test_muted_user_comments_but_the_muter_is_not_notified(actor, owner, post):
    mute(owner, actor)

    response = client_for(actor).post(comments_url(post), {"text": "hi"}, format="json")

    assert response.status_code == 201
    post.refresh_from_db()
    assert post.comments_count == 1
    assert notifications_of(owner).count() == 0


def test_anonymous_cannot_comment_but_can_read(post, actor):
    services.comment_create(author=actor, content=post, text="first")

    assert client_for(None).post(comments_url(post), {"text": "hi"}, format="json").status_code == 401
    listing = client_for(None).get(comments_url(post))
    assert listing.status_code == 200
    assert [c["text"] for c in listing.json()["results"]] == ["first"]
    assert listing.json()["results"][0]["liked"] is False


def test_cannot_comment_on_content_one_cannot_see(actor):
    private = make_post(VerifiedUserFactory(), text="only for mentioned", visibility="mentioned")

    response = client_for(actor).post(comments_url(private), {"text": "hi"}, format="json")

    assert response.status_code == 404
    assert Comment.objects.count() == 0


def test_text_is_required_and_limited(actor, post):
    client = client_for(actor)

    blank = client.post(comments_url(post), {"text": "   "}, format="json")
    too_long = client.post(comments_url(post), {"text": "x" * (COMMENT_MAX_LENGTH + 1)}, format="json")
    far_too_long = client.post(comments_url(post), {"text": "x" * (COMMENT_MAX_LENGTH * 10)}, format="json")
    longest = client.post(comments_url(post), {"text": "x" * COMMENT_MAX_LENGTH}, format="json")

    assert (blank.status_code, error_code(blank)) == (400, "blank")
    assert (too_long.status_code, error_code(too_long)) == (400, "text_too_long")
    assert (far_too_long.status_code, error_code(far_too_long)) == (400, "text_too_long")
    assert longest.status_code == 201


def test_reply_notifies_parent_author_and_owner_once_each(actor, owner, post):
    parent_author = VerifiedUserFactory(handle="first")
    parent = services.comment_create(author=parent_author, content=post, text="first!")
    notifications_of(owner).delete()

    response = client_for(actor).post(comment_url(parent, "replies/"), {"text": "second"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["depth"], body["parent_id"], body["root_id"], body["reply_to"]) == (
        1,
        str(parent.pk),
        str(parent.pk),
        "first",
    )
    reply = Comment.objects.get(pk=body["id"])
    assert reply.path == f"{parent.pk.hex}.{reply.pk.hex}"
    parent.refresh_from_db()
    post.refresh_from_db()
    assert parent.replies_count == 1
    assert post.comments_count == 2
    assert [n.kind for n in notifications_of(parent_author)] == ["reply"]
    assert [n.kind for n in notifications_of(owner)] == ["comment"]


def test_reply_to_own_post_comment_by_owner_notifies_once(actor, owner, post):
    parent = services.comment_create(author=owner, content=post, text="Ask me anything")

    client_for(actor).post(comment_url(parent, "replies/"), {"text": "why foxes?"}, format="json")

    assert [n.kind for n in notifications_of(owner)] == ["reply"]


def test_reply_with_parent_id_on_other_content_is_refused(actor, owner, post):
    other_post = make_post(owner, text="another")
    parent = services.comment_create(author=owner, content=other_post, text="there")

    response = client_for(actor).post(comments_url(post), {"text": "x", "parent_id": str(parent.pk)}, format="json")

    assert (response.status_code, error_code(response)) == (400, "parent_mismatch")


def test_blocked_with_parent_author_cannot_reply(actor, owner, post):
    parent_author = VerifiedUserFactory()
    parent = services.comment_create(author=parent_author, content=post, text="first")
    block(parent_author, actor)

    response = client_for(actor).post(comment_url(parent, "replies/"), {"text": "x"}, format="json")

    assert (response.status_code, error_code(response)) == (403, "blocked")


def test_cannot_reply_to_a_deleted_comment(actor, owner, post):
    parent = services.comment_create(author=owner, content=post, text="first")
    services.comment_delete(comment=parent, by=owner, content=post)

    response = client_for(actor).post(comment_url(parent, "replies/"), {"text": "x"}, format="json")

    assert (response.status_code, error_code(response)) == (404, "comment_not_found")


@pytest.mark.parametrize("kind", ["post", "video"])
def test_owner_turns_comments_off_and_nobody_can_comment(kind, actor, owner, post, video):
    content = post if kind == "post" else video
    settings_url = f"{comments_url(content)}settings/"

    refused = client_for(actor).patch(settings_url, {"comments_enabled": False}, format="json")
    turned_off = client_for(owner).patch(settings_url, {"comments_enabled": False}, format="json")
    attempt = client_for(actor).post(comments_url(content), {"text": "hi"}, format="json")
    owner_attempt = client_for(owner).post(comments_url(content), {"text": "hi"}, format="json")

    assert (refused.status_code, error_code(refused)) == (403, "not_author" if kind == "post" else "not_owner")
    assert turned_off.status_code == 200
    assert turned_off.json() == {"comments_enabled": False}
    assert type(content).all_objects.get(pk=content.pk).comments_enabled is False
    assert (attempt.status_code, error_code(attempt)) == (403, "comments_disabled")
    assert (owner_attempt.status_code, error_code(owner_attempt)) == (403, "comments_disabled")
    back_on = client_for(owner).patch(settings_url, {"comments_enabled": True}, format="json")
    assert back_on.json() == {"comments_enabled": True}
    assert client_for(actor).post(comments_url(content), {"text": "hi"}, format="json").status_code == 201


def test_mentions_are_resolved_and_notified_once(actor, owner, post):
    carol = VerifiedUserFactory(handle="carol")
    blocked_one = VerifiedUserFactory(handle="dave")
    block(blocked_one, actor)

    response = client_for(actor).post(
        comments_url(post), {"text": "@carol @Carol @owner @dave @nobody look"}, format="json"
    )

    assert response.status_code == 201
    assert sorted(m["handle"] for m in response.json()["mentions"]) == ["carol", "owner"]
    assert [n.kind for n in notifications_of(carol)] == ["mention"]
    assert [n.kind for n in notifications_of(owner)] == ["comment"]  # the owner hears once, as the owner
    assert notifications_of(blocked_one).count() == 0


def test_author_edits_with_history_and_new_mentions_are_notified(actor, post):
    carol = VerifiedUserFactory(handle="carol")
    comment = services.comment_create(author=actor, content=post, text="first take @carol")
    erin = VerifiedUserFactory(handle="erin")

    response = client_for(actor).patch(comment_url(comment), {"text": "second take @carol @erin"}, format="json")

    assert response.status_code == 200
    assert response.json()["text"] == "second take @carol @erin"
    assert response.json()["edited_at"] is not None
    assert list(CommentRevision.objects.filter(comment=comment).values_list("text", flat=True)) == ["first take @carol"]
    assert notifications_of(carol, "mention").count() == 1
    assert notifications_of(erin, "mention").count() == 1
    revisions = client_for(None).get(comment_url(comment, "revisions/"))
    assert [r["text"] for r in revisions.json()] == ["first take @carol"]


def test_only_the_author_edits(actor, owner, post):
    comment = services.comment_create(author=actor, content=post, text="mine")

    response = client_for(owner).patch(comment_url(comment), {"text": "yours"}, format="json")

    assert (response.status_code, error_code(response)) == (403, "not_author")
    assert client_for(None).patch(comment_url(comment), {"text": "x"}, format="json").status_code == 401


def test_author_and_owner_delete_others_cannot(actor, owner, post):
    stranger = VerifiedUserFactory()
    by_author = services.comment_create(author=actor, content=post, text="one")
    by_owner = services.comment_create(author=actor, content=post, text="two")

    refused = client_for(stranger).delete(comment_url(by_author))
    assert (refused.status_code, error_code(refused)) == (403, "not_allowed")
    assert client_for(actor).delete(comment_url(by_author)).status_code == 204
    assert client_for(owner).delete(comment_url(by_owner)).status_code == 204
    assert client_for(owner).delete(comment_url(by_owner)).status_code == 204  # again: nothing changes
    assert client_for(None).delete(comment_url(by_owner)).status_code == 401

    post.refresh_from_db()
    assert post.comments_count == 0
    assert Comment.objects.count() == 0
    assert Comment.all_objects.count() == 2


def test_deleted_comment_with_replies_shows_as_tombstone(actor, owner, post):
    parent = services.comment_create(author=actor, content=post, text="secret words")
    services.comment_create(author=owner, content=post, text="answer", parent=parent)
    lonely = services.comment_create(author=actor, content=post, text="alone")
    services.comment_delete(comment=parent, by=actor, content=post)
    services.comment_delete(comment=lonely, by=actor, content=post)

    results = client_for(None).get(comments_url(post)).json()["results"]

    assert len(results) == 1
    assert results[0]["state"] == "deleted"
    assert results[0]["text"] == ""
    assert results[0]["author"] is None
    assert [r["text"] for r in results[0]["replies"]] == ["answer"]
    post.refresh_from_db()
    assert post.comments_count == 1


def test_comments_of_a_blocked_author_are_hidden_from_the_viewer(actor, owner, post):
    viewer = VerifiedUserFactory()
    services.comment_create(author=actor, content=post, text="hello")
    block(viewer, actor)

    seen_by_viewer = client_for(viewer).get(comments_url(post)).json()["results"]
    seen_by_owner = client_for(owner).get(comments_url(post)).json()["results"]

    assert (seen_by_viewer[0]["state"], seen_by_viewer[0]["text"]) == ("hidden", "")
    assert (seen_by_owner[0]["state"], seen_by_owner[0]["text"]) == ("visible", "hello")


def test_moderation_removes_and_restores_with_counts(actor, owner, post):
    from tests.factories import UserFactory, with_role

    moderator = with_role(UserFactory(), "moderator")
    comment = services.comment_create(author=actor, content=post, text="spam")

    with pytest.raises(PermissionDeniedError) as refused:
        services.comment_moderate(comment=comment, status="removed", reason="spam", by=owner)
    assert refused.value.code == "not_moderator"
    services.comment_moderate(comment=comment, status="removed", reason="spam", by=moderator)
    post.refresh_from_db()
    assert post.comments_count == 0
    edit = client_for(actor).patch(comment_url(comment), {"text": "x"}, format="json")
    assert edit.status_code == 404
    services.comment_moderate(comment=comment, status="visible", reason="", by=moderator)
    post.refresh_from_db()
    assert post.comments_count == 1


def test_video_comment_counts_on_the_video(actor, video):
    client_for(actor).post(comments_url(video), {"text": "nice"}, format="json")

    assert Video.objects.get(pk=video.pk).comments_count == 1
