"""The comment admin for moderators: filters, search, revisions inline, bulk removal and
restoring with a reason."""

import pytest

from social.models import Comment
from social.services import comments as services
from tests.clients import verified_client
from tests.content.post_factories import VerifiedUserFactory
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db

COMMENTS = "/admin/social/comment/"


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one"), "moderator")


def listed(response):
    assert response.status_code == 200
    return {comment.pk for comment in response.context["cl"].result_list}


def test_moderators_find_comments_by_status_target_text_and_author(moderator, post, video):
    ana, bob = VerifiedUserFactory(handle="ana"), VerifiedUserFactory(handle="bob")
    on_post = services.comment_create(author=ana, content=post, text="buy cheap watches")
    on_video = services.comment_create(author=bob, content=video, text="nice video")
    services.comment_moderate(comment=on_video, status="removed", reason="x", by=moderator)
    client = verified_client(moderator)

    assert listed(client.get(COMMENTS)) == {on_post.pk, on_video.pk}
    assert listed(client.get(COMMENTS, {"moderation_status__exact": "removed"})) == {on_video.pk}
    assert listed(client.get(COMMENTS, {"target": "post"})) == {on_post.pk}
    assert listed(client.get(COMMENTS, {"target": "video"})) == {on_video.pk}
    assert listed(client.get(COMMENTS, {"q": "watches"})) == {on_post.pk}
    assert listed(client.get(COMMENTS, {"q": "@BOB"})) == {on_video.pk}


def test_moderators_read_earlier_texts(moderator, post, actor):
    comment = services.comment_create(author=actor, content=post, text="first version")
    services.comment_edit(comment=comment, by=actor, text="second version")

    page = verified_client(moderator).get(f"{COMMENTS}{comment.pk}/change/")

    assert page.status_code == 200
    assert b"first version" in page.content
    assert b"second version" in page.content


def test_bulk_removal_asks_for_a_reason_then_removes_and_restores(moderator, post, actor):
    comments = [services.comment_create(author=actor, content=post, text=t) for t in ("spam one", "spam two")]
    client = verified_client(moderator)
    selection = {"action": "remove_comments", "_selected_action": [str(c.pk) for c in comments]}

    page = client.post(COMMENTS, selection)
    assert page.status_code == 200
    assert page.template_name == "admin/core/reason_form.html"
    assert Comment.objects.filter(moderation_status="removed").count() == 0

    done = client.post(COMMENTS, {**selection, "apply": "1", "reason": "Spam wave"})

    assert done.status_code == 302
    assert set(Comment.objects.values_list("moderation_status", "moderation_reason", "moderated_by")) == {
        ("removed", "Spam wave", moderator.pk)
    }
    post.refresh_from_db()
    assert post.comments_count == 0

    client.post(
        COMMENTS,
        {"action": "restore_comments", "_selected_action": [str(c.pk) for c in comments], "apply": "1", "reason": "ok"},
    )
    post.refresh_from_db()
    assert post.comments_count == 2
    assert set(Comment.objects.values_list("moderation_status", flat=True)) == {"visible"}


def test_users_without_the_permission_cannot_moderate(post, actor):
    staff = UserFactory(is_staff=True)
    comment = services.comment_create(author=actor, content=post, text="hello")

    response = verified_client(staff).get(COMMENTS)

    assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).moderation_status == "visible"
