"""Reposts and quotes: one repost per user per original, undo, quotes, and originals that are gone."""

import pytest
from django.db import IntegrityError

from content.models import Post
from content.services import posts as services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.factories import with_role

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


def error(response):
    return response.json()["errors"][0]


@pytest.fixture
def author():
    return VerifiedUserFactory(handle="ana")


@pytest.fixture
def other():
    return VerifiedUserFactory(handle="bob")


@pytest.fixture
def original(author):
    return make_post(author, text="original #art")


def test_repost_once(api_client, original, other):
    api_client.force_authenticate(other)

    first = api_client.post(f"{POSTS}{original.pk}/repost/")
    second = api_client.post(f"{POSTS}{original.pk}/repost/")

    assert first.status_code == 201
    body = first.json()
    assert (body["kind"], body["text"], body["original"]["id"], body["original_gone"]) == (
        "repost",
        "",
        str(original.pk),
        False,
    )
    assert second.status_code == 409
    assert error(second)["code"] == "already_reposted"
    original.refresh_from_db()
    assert original.reposts_count == 1


def test_reposting_a_repost_reposts_the_original(api_client, original, other, author):
    repost = services.post_repost(user=author, post=original)
    api_client.force_authenticate(other)

    response = api_client.post(f"{POSTS}{repost.pk}/repost/")

    assert response.status_code == 201
    assert response.json()["original"]["id"] == str(original.pk)
    original.refresh_from_db()
    assert original.reposts_count == 2


def test_the_database_allows_one_live_repost_per_user_per_original(original, other):
    services.post_repost(user=other, post=original)

    with pytest.raises(IntegrityError):
        Post.objects.create(author=other, kind="repost", original=original)


def test_undo_a_repost_and_repost_again(api_client, original, other):
    api_client.force_authenticate(other)
    api_client.post(f"{POSTS}{original.pk}/repost/")

    undo = api_client.delete(f"{POSTS}{original.pk}/repost/")
    again = api_client.delete(f"{POSTS}{original.pk}/repost/")
    redo = api_client.post(f"{POSTS}{original.pk}/repost/")

    assert undo.status_code == 204
    assert (again.status_code, error(again)["code"]) == (404, "not_reposted")
    assert redo.status_code == 201
    original.refresh_from_db()
    assert original.reposts_count == 1


def test_anonymous_cannot_repost(api_client, original):
    assert api_client.post(f"{POSTS}{original.pk}/repost/").status_code == 401
    assert api_client.delete(f"{POSTS}{original.pk}/repost/").status_code == 401


@pytest.mark.parametrize("visibility", ["mentioned", "followers"])
def test_only_public_posts_can_be_reposted_or_quoted(api_client, author, visibility):
    mentioned = VerifiedUserFactory(handle="carol")
    post = make_post(author, text="hi @carol", visibility=visibility)
    api_client.force_authenticate(author)

    repost = api_client.post(f"{POSTS}{post.pk}/repost/")
    quote = api_client.post(f"{POSTS}{post.pk}/quote/", {"text": "look"})

    assert (repost.status_code, error(repost)["code"]) == (403, "not_shareable")
    assert (quote.status_code, error(quote)["code"]) == (403, "not_shareable")
    api_client.force_authenticate(mentioned)
    expected = 403 if visibility == "mentioned" else 404
    assert api_client.post(f"{POSTS}{post.pk}/repost/").status_code == expected


def test_a_quote_embeds_the_original(api_client, original, other):
    api_client.force_authenticate(other)

    response = api_client.post(f"{POSTS}{original.pk}/quote/", {"text": "so good #wow"})

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["text"], body["hashtags"]) == ("quote", "so good #wow", ["wow"])
    assert body["original"]["id"] == str(original.pk)
    assert body["original"]["text"] == "original #art"
    original.refresh_from_db()
    assert original.quotes_count == 1


def test_a_quote_needs_text(api_client, original, other):
    api_client.force_authenticate(other)

    response = api_client.post(f"{POSTS}{original.pk}/quote/", {"text": ""})

    assert response.status_code == 400
    assert (error(response)["attr"], error(response)["code"]) == ("text", "blank")


def test_quoting_is_idempotent_with_a_key(api_client, original, other):
    api_client.force_authenticate(other)

    first = api_client.post(f"{POSTS}{original.pk}/quote/", {"text": "q"}, HTTP_IDEMPOTENCY_KEY="q1")
    retry = api_client.post(f"{POSTS}{original.pk}/quote/", {"text": "q"}, HTTP_IDEMPOTENCY_KEY="q1")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    original.refresh_from_db()
    assert original.quotes_count == 1


def test_deleting_a_quote_lowers_the_count(original, other):
    quote, _ = services.post_quote(user=other, post=original, content=services.PostContent(text="q"))

    services.post_delete(post=quote, by=other)

    original.refresh_from_db()
    assert original.quotes_count == 0


def test_quotes_and_reposts_of_a_deleted_post_show_it_is_gone(api_client, author, original, other):
    repost = services.post_repost(user=other, post=original)
    quote, _ = services.post_quote(user=other, post=original, content=services.PostContent(text="q"))
    services.post_delete(post=original, by=author)

    for post in (repost, quote):
        response = api_client.get(f"{POSTS}{post.pk}/")
        assert response.status_code == 200
        assert (response.json()["original"], response.json()["original_gone"]) == (None, True)
    assert api_client.post(f"{POSTS}{original.pk}/quote/", {"text": "x"}).status_code == 401
    api_client.force_authenticate(other)
    response = api_client.post(f"{POSTS}{original.pk}/quote/", {"text": "x"})
    assert (response.status_code, error(response)["code"]) == (404, "post_not_found")


def test_quotes_of_a_removed_post_show_it_is_gone(api_client, author, original, other):
    quote, _ = services.post_quote(user=other, post=original, content=services.PostContent(text="q"))
    moderator = with_role(VerifiedUserFactory(), "moderator")
    services.post_moderate(post=original, status="removed", reason="spam", by=moderator)

    response = api_client.get(f"{POSTS}{quote.pk}/")

    assert (response.json()["original"], response.json()["original_gone"]) == (None, True)
    api_client.force_authenticate(author)  # the author still sees their removed post in the quote
    assert api_client.get(f"{POSTS}{quote.pk}/").json()["original"]["moderation_status"] == "removed"


def test_a_repost_cannot_be_edited(api_client, original, other):
    repost = services.post_repost(user=other, post=original)
    api_client.force_authenticate(other)

    response = api_client.patch(f"{POSTS}{repost.pk}/", {"text": "x"})

    assert (response.status_code, error(response)["code"]) == (400, "repost_not_editable")
