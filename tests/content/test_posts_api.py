"""/api/v1/posts/: create, detail, list, edit, delete, revisions for the author, another user,
a mentioned user and an anonymous client, with bad input."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from content.models import Hashtag, Post, PostRevision
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


def detail(post):
    return f"{POSTS}{post.pk}/"


def error(response):
    return response.json()["errors"][0]


@pytest.fixture
def author():
    return VerifiedUserFactory(handle="ana")


@pytest.fixture
def other():
    return VerifiedUserFactory(handle="bob")


@pytest.fixture
def mentioned():
    return VerifiedUserFactory(handle="carol")


def client_for(api_client, user):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


# --- create ----------------------------------------------------------------------------------------


def test_author_creates_a_post_with_hashtags_and_mentions(api_client, author, mentioned):
    client_for(api_client, author)

    response = api_client.post(
        POSTS, {"text": "Ink #Inktober #inktober with @Carol and @nobody_here", "content_warning": "spiders"}
    )

    assert response.status_code == 201
    body = response.json()
    post = Post.objects.get()
    assert body["id"] == str(post.pk)
    assert body["kind"] == "post"
    assert body["author"] == {"id": str(author.pk), "handle": "ana", "display_name": author.display_name}
    assert body["text"] == "Ink #Inktober #inktober with @Carol and @nobody_here"
    assert body["hashtags"] == ["inktober"]
    assert body["mentions"] == [{"id": str(mentioned.pk), "handle": "carol", "display_name": mentioned.display_name}]
    assert body["visibility"] == "public"
    assert body["content_warning"] == "spiders"
    assert body["counts"] == {"likes": 0, "comments": 0, "reposts": 0, "quotes": 0}
    assert (body["original"], body["original_gone"], body["poll"], body["images"]) == (None, False, None, [])
    assert Hashtag.objects.get(name="inktober").usage_count == 1
    assert list(PostRevision.objects.values_list("number", "text")) == [(1, post.text)]


def test_anonymous_cannot_create(api_client):
    response = api_client.post(POSTS, {"text": "hi"})

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_unverified_email_cannot_create(api_client):
    client_for(api_client, UserFactory())

    response = api_client.post(POSTS, {"text": "hi"})

    assert response.status_code == 403
    assert error(response)["code"] == "email_unverified"
    assert Post.all_objects.count() == 0


@pytest.mark.parametrize(
    ("data", "attr", "code"),
    [
        ({"text": ""}, "text", "empty_post"),
        ({"text": "   "}, "text", "empty_post"),
        ({"text": "a" * 501}, "text", "text_too_long"),
        ({"text": "hi", "visibility": "friends"}, "visibility", "invalid_choice"),
        ({"text": "hi", "content_warning": "x" * 201}, "content_warning", "max_length"),
        ({"text": "hi", "poll_options": ["a", "b"]}, "poll_ends_at", "required"),
    ],
)
def test_bad_input_is_a_validation_error(api_client, author, data, attr, code):
    client_for(api_client, author)

    response = api_client.post(POSTS, data)

    assert response.status_code == 400
    assert (error(response)["attr"], error(response)["code"]) == (attr, code)
    assert Post.all_objects.count() == 0


def test_length_limit_counts_graphemes(api_client, author):
    client_for(api_client, author)

    at_limit = api_client.post(POSTS, {"text": "👨‍👩‍👧" * 500})  # 500 characters, 2,500 code points
    over = api_client.post(POSTS, {"text": "👨‍👩‍👧" * 501})

    assert at_limit.status_code == 201
    assert over.status_code == 400
    assert error(over)["code"] == "text_too_long"


def test_the_length_limit_is_a_setting(api_client, author, settings):
    settings.POST_MAX_CHARACTERS = 5
    client_for(api_client, author)

    assert api_client.post(POSTS, {"text": "12345"}).status_code == 201
    assert api_client.post(POSTS, {"text": "123456"}).status_code == 400


def test_idempotent_create_returns_the_same_post(api_client, author):
    client_for(api_client, author)

    first = api_client.post(POSTS, {"text": "once"}, HTTP_IDEMPOTENCY_KEY="key-1")
    retry = api_client.post(POSTS, {"text": "once"}, HTTP_IDEMPOTENCY_KEY="key-1")
    other_key = api_client.post(POSTS, {"text": "once"}, HTTP_IDEMPOTENCY_KEY="key-2")

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert other_key.status_code == 201
    assert other_key.json()["id"] != first.json()["id"]
    assert Post.objects.count() == 2
    assert Hashtag.objects.count() == 0


def test_the_same_key_from_another_user_is_another_post(api_client, author, other):
    client_for(api_client, author).post(POSTS, {"text": "mine"}, HTTP_IDEMPOTENCY_KEY="k")
    api_client.force_authenticate(other)

    response = api_client.post(POSTS, {"text": "theirs"}, HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 201
    assert Post.objects.count() == 2


def test_a_too_long_idempotency_key_is_refused(api_client, author):
    client_for(api_client, author)

    response = api_client.post(POSTS, {"text": "x"}, HTTP_IDEMPOTENCY_KEY="k" * 101)

    assert response.status_code == 400
    assert error(response)["code"] == "invalid_idempotency_key"


def test_a_post_with_a_poll_needs_no_text(api_client, author):
    client_for(api_client, author)
    ends = (timezone.now() + dt.timedelta(days=1)).isoformat()

    response = api_client.post(POSTS, {"poll_options": ["Fox", "Owl"], "poll_ends_at": ends})

    assert response.status_code == 201
    poll = response.json()["poll"]
    assert [option["label"] for option in poll["options"]] == ["Fox", "Owl"]
    assert (poll["multiple_choice"], poll["ended"], poll["results_visible"], poll["voters_count"]) == (
        False,
        False,
        False,
        None,
    )


# --- detail and visibility ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "viewer", "status"),
    [
        ("public", "author", 200),
        ("public", "other", 200),
        ("public", "mentioned", 200),
        ("public", "anonymous", 200),
        ("followers", "author", 200),
        ("followers", "other", 404),  # no follower graph yet: only the author
        ("followers", "mentioned", 404),
        ("followers", "anonymous", 404),
        ("mentioned", "author", 200),
        ("mentioned", "other", 404),
        ("mentioned", "mentioned", 200),
        ("mentioned", "anonymous", 404),
    ],
)
def test_detail_respects_visibility(api_client, author, other, mentioned, visibility, viewer, status):
    post = make_post(author, text="for @carol", visibility=visibility)
    users = {"author": author, "other": other, "mentioned": mentioned, "anonymous": None}
    client_for(api_client, users[viewer])

    response = api_client.get(detail(post))

    assert response.status_code == status
    if status == 404:
        assert error(response)["code"] == "post_not_found"
    else:
        assert response.json()["id"] == str(post.pk)


def test_unknown_post_is_not_found(api_client):
    response = api_client.get(f"{POSTS}{uuid.uuid4()}/")

    assert response.status_code == 404
    assert error(response)["code"] == "post_not_found"


def test_a_deleted_post_is_not_found_even_by_its_author(api_client, author):
    post = make_post(author)
    post.soft_delete()
    client_for(api_client, author)

    assert api_client.get(detail(post)).status_code == 404


# --- list -----------------------------------------------------------------------------------------


def test_list_shows_the_posts_a_viewer_may_see_newest_first(api_client, author, other, mentioned):
    public = make_post(author, text="one")
    private = make_post(author, text="two @carol", visibility="mentioned")
    followers = make_post(author, text="three", visibility="followers")
    make_post(other, text="someone else")

    def ids(user):
        api_client.force_authenticate(user)
        response = api_client.get(POSTS, {"author": "ANA"})
        assert response.status_code == 200
        return [item["id"] for item in response.json()["results"]]

    assert ids(author) == [str(followers.pk), str(private.pk), str(public.pk)]
    assert ids(mentioned) == [str(private.pk), str(public.pk)]
    assert ids(other) == [str(public.pk)]
    assert ids(None) == [str(public.pk)]


def test_list_needs_an_author(api_client):
    response = api_client.get(POSTS)

    assert response.status_code == 400
    assert error(response)["code"] == "author_required"


def test_list_of_an_unknown_author_is_not_found(api_client):
    response = api_client.get(POSTS, {"author": "nobody_at_all"})

    assert response.status_code == 404
    assert error(response)["code"] == "user_not_found"


def test_list_is_cursor_paginated(api_client, author):
    posts = [make_post(author, text=f"post {i}") for i in range(5)]

    first = api_client.get(POSTS, {"author": "ana", "page_size": 2}).json()
    second = api_client.get(first["next"]).json()

    assert [item["id"] for item in first["results"]] == [str(posts[4].pk), str(posts[3].pk)]
    assert [item["id"] for item in second["results"]] == [str(posts[2].pk), str(posts[1].pk)]


@pytest.mark.parametrize("page_size", [5, 20])
def test_list_query_count_does_not_grow_with_the_page(
    api_client, author, other, mentioned, page_size, django_assert_max_num_queries
):
    from content.services import posts as services
    from tests.content.post_factories import make_poll_post

    # Every kind of row on each page: posts with hashtags and mentions, posts with polls, and
    # reposts and quotes of posts that have polls, images and mentions of their own.
    for i in range(page_size):
        make_post(author, text=f"#tag{i} with @carol")
        make_poll_post(author)
        original = make_poll_post(other)
        services.post_repost(user=author, post=original)
        services.post_quote(user=author, post=original, content=services.PostContent(text="quoting @carol"))
    api_client.force_authenticate(mentioned)

    # session user; posts; then one query each for images, mentions, poll options and own votes,
    # for the posts and for their originals; the viewer's blocks (one query, for the originals'
    # visibility): the same number whatever the page size.
    with django_assert_max_num_queries(11):
        response = api_client.get(POSTS, {"author": "ana", "page_size": page_size})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == page_size
    assert {item["kind"] for item in results} == {"post", "repost", "quote"}


# --- edit -----------------------------------------------------------------------------------------


def test_author_edits_and_every_version_is_kept(api_client, author, mentioned):
    post = make_post(author, text="first #old")
    client_for(api_client, author)

    response = api_client.patch(detail(post), {"text": "second #new @carol"})

    assert response.status_code == 200
    body = response.json()
    assert (body["text"], body["hashtags"], [m["handle"] for m in body["mentions"]]) == (
        "second #new @carol",
        ["new"],
        ["carol"],
    )
    assert body["edited_at"] is not None
    assert Hashtag.objects.get(name="old").usage_count == 0
    assert Hashtag.objects.get(name="new").usage_count == 1
    revisions = api_client.get(f"{detail(post)}revisions/")
    assert revisions.status_code == 200
    assert [(r["number"], r["text"]) for r in revisions.json()] == [(1, "first #old"), (2, "second #new @carol")]


def test_revisions_are_readable_by_whoever_reads_the_post(api_client, author, other, mentioned):
    public = make_post(author, text="public")
    private = make_post(author, text="for @carol", visibility="mentioned")

    assert api_client.get(f"{detail(public)}revisions/").status_code == 200
    assert api_client.get(f"{detail(private)}revisions/").status_code == 404
    api_client.force_authenticate(other)
    assert api_client.get(f"{detail(private)}revisions/").status_code == 404
    api_client.force_authenticate(mentioned)
    assert api_client.get(f"{detail(private)}revisions/").status_code == 200


def test_another_user_cannot_edit(api_client, author, other):
    post = make_post(author, text="mine")
    client_for(api_client, other)

    response = api_client.patch(detail(post), {"text": "yours"})

    assert response.status_code == 403
    assert error(response)["code"] == "not_author"
    post.refresh_from_db()
    assert post.text == "mine"


def test_a_mentioned_user_cannot_edit_a_mentioned_only_post(api_client, author, mentioned):
    post = make_post(author, text="hi @carol", visibility="mentioned")
    client_for(api_client, mentioned)

    response = api_client.patch(detail(post), {"text": "changed"})

    assert response.status_code == 403
    assert error(response)["code"] == "not_author"


def test_anonymous_cannot_edit(api_client, author):
    post = make_post(author)

    response = api_client.patch(detail(post), {"text": "x"})

    assert response.status_code == 401


def test_editing_after_the_window_is_refused(api_client, author, settings):
    settings.POST_EDIT_WINDOW_MINUTES = 10
    post = make_post(author)
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    client_for(api_client, author)

    response = api_client.patch(detail(post), {"text": "late"})

    assert response.status_code == 409
    assert error(response)["code"] == "edit_window_closed"


def test_editing_to_an_empty_or_too_long_text_is_refused(api_client, author):
    post = make_post(author)
    client_for(api_client, author)

    empty = api_client.patch(detail(post), {"text": ""})
    long = api_client.patch(detail(post), {"text": "b" * 501})

    assert (empty.status_code, error(empty)["code"]) == (400, "empty_post")
    assert (long.status_code, error(long)["code"]) == (400, "text_too_long")
    assert PostRevision.objects.filter(post=post).count() == 1


# --- delete ---------------------------------------------------------------------------------------


def test_author_deletes_softly(api_client, author):
    post = make_post(author, text="bye #gone")
    client_for(api_client, author)

    response = api_client.delete(detail(post))

    assert response.status_code == 204
    assert Post.objects.filter(pk=post.pk).exists() is False
    assert Post.all_objects.get(pk=post.pk).deleted_at is not None
    assert Hashtag.objects.get(name="gone").usage_count == 0
    assert api_client.get(detail(post)).status_code == 404


def test_another_user_cannot_delete(api_client, author, other):
    post = make_post(author)
    client_for(api_client, other)

    response = api_client.delete(detail(post))

    assert response.status_code == 403
    assert error(response)["code"] == "not_author"
    assert Post.objects.filter(pk=post.pk).exists()


def test_anonymous_cannot_delete(api_client, author):
    post = make_post(author)

    assert api_client.delete(detail(post)).status_code == 401
    assert Post.objects.filter(pk=post.pk).exists()
