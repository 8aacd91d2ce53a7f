"""Likes and saves through the API for the actor, the owner, a blocked user, a muted user and an
anonymous client: idempotent, counted, notified once."""

import pytest

from content.models import Post, Video
from social.models import Like, Save
from social.services import comments as comment_services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.social.interactions.helpers import block, client_for, error_code, mute, notifications_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(post, owner):
    return comment_services.comment_create(author=owner, content=post, text="my own comment")


def target_of(kind, post, video, comment):
    return {"post": post, "video": video, "comment": comment}[kind]


def like_url(kind, target):
    return f"/api/v1/{kind}s/{target.pk}/like/"


def likes_count(target):
    return type(target).all_objects.get(pk=target.pk).likes_count


@pytest.mark.parametrize("kind", ["post", "video", "comment"])
def test_like_is_idempotent_counted_and_notified_once(kind, actor, owner, post, video, comment):
    target = target_of(kind, post, video, comment)
    notifications_of(owner).delete()
    client = client_for(actor)

    first = client.put(like_url(kind, target))
    again = client.put(like_url(kind, target))

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"liked": True, "likes_count": 1}
    assert Like.objects.filter(user=actor, **{kind: target}).count() == 1
    assert likes_count(target) == 1
    notes = list(notifications_of(owner, "like"))
    assert len(notes) == 1
    assert notes[0].target_object_id == str(target.pk)


@pytest.mark.parametrize("kind", ["post", "video", "comment"])
def test_unlike_is_idempotent_and_like_again_does_not_notify_again(kind, actor, owner, post, video, comment):
    target = target_of(kind, post, video, comment)
    notifications_of(owner).delete()
    client = client_for(actor)
    client.put(like_url(kind, target))

    first = client.delete(like_url(kind, target))
    again = client.delete(like_url(kind, target))

    assert first.json() == again.json() == {"liked": False, "likes_count": 0}
    assert Like.objects.count() == 0
    assert likes_count(target) == 0
    assert notifications_of(owner, "like").count() == 0  # the unlike took it back
    client.put(like_url(kind, target))
    assert likes_count(target) == 1
    assert notifications_of(owner, "like").count() == 0  # liking again after an unlike: no second notification


def test_owner_likes_own_post_without_notification(owner, post):
    response = client_for(owner).put(like_url("post", post))

    assert response.json() == {"liked": True, "likes_count": 1}
    assert notifications_of(owner).count() == 0


def test_likes_of_several_users_group_in_one_notification(owner, post):
    fans = [VerifiedUserFactory() for _ in range(3)]
    for fan in fans:
        client_for(fan).put(like_url("post", post))

    [note] = notifications_of(owner, "like")
    assert note.actor_count == 3
    assert likes_count(post) == 3


# What a hidden target answers (content's codes for posts and videos, social's for comments).
NOT_FOUND_CODE = {"post": "post_not_found", "video": "not_found", "comment": "comment_not_found"}


@pytest.mark.parametrize("kind", ["post", "video", "comment"])
@pytest.mark.parametrize("direction", ["owner_blocks_actor", "actor_blocks_owner"])
def test_blocked_user_cannot_like(kind, direction, actor, owner, post, video, comment):
    target = target_of(kind, post, video, comment)
    block(owner, actor) if direction == "owner_blocks_actor" else block(actor, owner)

    response = client_for(actor).put(like_url(kind, target))

    # A block either way hides the owner's content from the other user: it is not there for them.
    assert (response.status_code, error_code(response)) == (404, NOT_FOUND_CODE[kind])
    assert Like.objects.count() == 0
    assert likes_count(target) == 0


def test_blocked_with_the_content_owner_cannot_like_a_comment_on_it(actor, owner, post):
    commenter = VerifiedUserFactory()
    other_comment = comment_services.comment_create(author=commenter, content=post, text="hi")
    block(owner, actor)

    response = client_for(actor).put(like_url("comment", other_comment))

    # The post is hidden from the blocked user, and its comments with it.
    assert (response.status_code, error_code(response)) == (404, "comment_not_found")


def test_muted_user_likes_and_the_muter_hears_nothing(actor, owner, post):
    mute(owner, actor)

    response = client_for(actor).put(like_url("post", post))

    assert response.json() == {"liked": True, "likes_count": 1}
    assert notifications_of(owner).count() == 0


@pytest.mark.parametrize("kind", ["post", "video", "comment"])
def test_anonymous_cannot_like(kind, post, video, comment):
    target = target_of(kind, post, video, comment)

    assert client_for(None).put(like_url(kind, target)).status_code == 401
    assert client_for(None).delete(like_url(kind, target)).status_code == 401


def test_cannot_like_what_one_cannot_see_or_a_deleted_comment(actor, owner, post, comment):
    hidden = make_post(owner, text="mentioned only", visibility="mentioned")
    comment_services.comment_delete(comment=comment, by=owner, content=post)

    assert client_for(actor).put(like_url("post", hidden)).status_code == 404
    gone = client_for(actor).put(like_url("comment", comment))
    assert (gone.status_code, error_code(gone)) == (404, "comment_not_found")


def test_comment_likes_show_in_the_thread(actor, owner, post, comment):
    client_for(actor).put(like_url("comment", comment))

    mine = client_for(actor).get(f"/api/v1/posts/{post.pk}/comments/").json()["results"][0]
    theirs = client_for(owner).get(f"/api/v1/posts/{post.pk}/comments/").json()["results"][0]

    assert (mine["likes_count"], mine["liked"]) == (1, True)
    assert (theirs["likes_count"], theirs["liked"]) == (1, False)


@pytest.mark.parametrize("kind", ["post", "video"])
def test_only_the_owner_lists_who_liked(kind, actor, owner, post, video):
    target = post if kind == "post" else video
    fan = VerifiedUserFactory(handle="fan")
    client_for(actor).put(like_url(kind, target))
    client_for(fan).put(like_url(kind, target))
    url = f"/api/v1/{kind}s/{target.pk}/likes/"

    listing = client_for(owner).get(url)
    refused = client_for(actor).get(url)

    assert [row["user"]["handle"] for row in listing.json()["results"]] == ["fan", "actor"]
    assert (refused.status_code, error_code(refused)) == (403, "not_owner")
    assert client_for(None).get(url).status_code == 401


# --- saves -----------------------------------------------------------------------------------------


def save_url(kind, target):
    return f"/api/v1/{kind}s/{target.pk}/save/"


@pytest.mark.parametrize("kind", ["post", "video"])
def test_save_and_unsave_are_idempotent_and_counted(kind, actor, owner, post, video):
    target = post if kind == "post" else video
    client = client_for(actor)

    assert client.put(save_url(kind, target)).json() == {"saved": True}
    assert client.put(save_url(kind, target)).json() == {"saved": True}
    assert Save.objects.filter(user=actor).count() == 1
    assert type(target).objects.get(pk=target.pk).saves_count == 1
    assert client.delete(save_url(kind, target)).json() == {"saved": False}
    assert client.delete(save_url(kind, target)).json() == {"saved": False}
    assert type(target).objects.get(pk=target.pk).saves_count == 0
    assert notifications_of(owner).count() == 0  # saves are private: nobody is told


def test_saves_list_is_newest_first_paginated_and_private(actor, owner, post, video):
    other = make_post(owner, text="another")
    client = client_for(actor)
    for kind, target in (("post", post), ("video", video), ("post", other)):
        client.put(save_url(kind, target))
    client_for(owner).put(save_url("post", post))

    first = client.get("/api/v1/saves/?page_size=2").json()
    second = client.get(first["next"]).json()

    items = first["results"] + second["results"]
    assert [(i["kind"], (i["post"] or i["video"])["id"]) for i in items] == [
        ("post", str(other.pk)),
        ("video", str(video.pk)),
        ("post", str(post.pk)),
    ]
    assert items[1]["video"]["title"] == video.title
    assert items[1]["post"] is None
    assert [i["post"]["id"] for i in client_for(owner).get("/api/v1/saves/").json()["results"]] == [str(post.pk)]
    assert client_for(None).get("/api/v1/saves/").status_code == 401
    assert client_for(None).put(save_url("post", post)).status_code == 401


def test_deleted_content_drops_out_of_saves(actor, owner, post):
    from content.services import posts as post_services

    client_for(actor).put(save_url("post", post))
    post_services.post_delete(post=post, by=owner)

    assert client_for(actor).get("/api/v1/saves/").json()["results"] == []


def test_blocked_user_cannot_save(actor, owner, post):
    block(owner, actor)

    response = client_for(actor).put(save_url("post", post))

    assert (response.status_code, error_code(response)) == (404, "post_not_found")
    assert Post.objects.get(pk=post.pk).saves_count == 0


def test_muted_user_saves(actor, owner, video):
    mute(owner, actor)

    assert client_for(actor).put(save_url("video", video)).json() == {"saved": True}
    assert Video.objects.get(pk=video.pk).saves_count == 1
