"""The admin for moderators: find posts by status, hashtag and author, read the edit history,
limit/remove/restore in bulk with a reason, block hashtags from trending."""

import pytest

from content.models import Hashtag, Post
from content.services import posts as services
from tests.clients import verified_client
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db

POSTS = "/admin/content/post/"
HASHTAGS = "/admin/content/hashtag/"


def admin_client(user):
    return verified_client(user)


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one"), "moderator")


def listed(response):
    assert response.status_code == 200
    return {post.pk for post in response.context["cl"].result_list}


def test_moderators_list_posts_by_status_hashtag_and_author(moderator):
    ana, bob = VerifiedUserFactory(handle="ana"), VerifiedUserFactory(handle="bob")
    tagged = make_post(ana, text="#Spam here")
    plain = make_post(bob, text="hello")
    services.post_moderate(post=plain, status="limited", reason="x", by=moderator)
    client = admin_client(moderator)

    assert listed(client.get(POSTS)) == {tagged.pk, plain.pk}
    assert listed(client.get(POSTS, {"moderation_status__exact": "limited"})) == {plain.pk}
    assert listed(client.get(POSTS, {"q": "#SPAM"})) == {tagged.pk}
    assert listed(client.get(POSTS, {"hashtag": "spam"})) == {tagged.pk}
    assert listed(client.get(POSTS, {"q": "@bob"})) == {plain.pk}


def test_moderators_read_the_edit_history(moderator):
    author = VerifiedUserFactory()
    post = make_post(author, text="first version")
    services.post_edit(post=post, by=author, text="second version")

    page = admin_client(moderator).get(f"{POSTS}{post.pk}/change/")

    assert page.status_code == 200
    assert b"first version" in page.content
    assert b"second version" in page.content


def test_bulk_removal_asks_for_a_reason_then_removes(moderator):
    posts = [make_post(text="a #tag"), make_post(text="b")]
    client = admin_client(moderator)
    selection = {"action": "remove_posts", "_selected_action": [str(p.pk) for p in posts]}

    page = client.post(POSTS, selection)
    assert page.status_code == 200
    assert page.template_name == "admin/core/reason_form.html"
    assert Post.objects.filter(moderation_status="removed").count() == 0

    done = client.post(POSTS, {**selection, "apply": "1", "reason": "Spam wave"})

    assert done.status_code == 302
    assert list(Post.objects.values_list("moderation_status", "moderation_reason", "moderated_by")) == [
        ("removed", "Spam wave", moderator.pk),
        ("removed", "Spam wave", moderator.pk),
    ]
    assert Hashtag.objects.get(name="tag").usage_count == 0


def test_a_failed_transition_is_reported(moderator):
    post = make_post()
    client = admin_client(moderator)

    response = client.post(
        POSTS,
        {"action": "restore_posts", "_selected_action": [str(post.pk)], "apply": "1", "reason": "x"},
        follow=True,
    )

    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"{post}: A visible post cannot become visible."]


def test_moderators_block_hashtags_from_trending(moderator):
    make_post(text="#trendy #fine")
    client = admin_client(moderator)
    trendy = Hashtag.objects.get(name="trendy")

    client.post(HASHTAGS, {"action": "block_from_trending", "_selected_action": [trendy.pk]})

    assert dict(Hashtag.objects.values_list("name", "blocked_from_trending")) == {"trendy": True, "fine": False}


def test_users_without_the_moderator_role_cannot_moderate():
    finance = with_role(UserFactory(), "finance")
    post = make_post()

    response = admin_client(finance).post(
        POSTS, {"action": "remove_posts", "_selected_action": [str(post.pk)], "apply": "1", "reason": "x"}
    )

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.moderation_status == "visible"
