"""Who may write: every write endpoint needs a verified email and good standing; reads stay open."""

import datetime as dt

import pytest
from django.utils import timezone

from content.models import Poll, PollVote, Post
from content.services import posts as services
from tests.content.post_factories import VerifiedUserFactory, make_poll_post, make_post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


def error(response):
    return response.json()["errors"][0]


def write_requests(post, option_id):
    return [
        ("post", POSTS, {"text": "hi"}),
        ("patch", f"{POSTS}{post.pk}/", {"text": "changed"}),
        ("delete", f"{POSTS}{post.pk}/", None),
        ("post", f"{POSTS}{post.pk}/repost/", None),
        ("delete", f"{POSTS}{post.pk}/repost/", None),
        ("post", f"{POSTS}{post.pk}/quote/", {"text": "q"}),
        ("post", f"{POSTS}{post.pk}/poll/vote/", {"options": [str(option_id)]}),
    ]


@pytest.mark.parametrize("index", range(7))
def test_every_write_needs_a_verified_email(api_client, index):
    user = UserFactory()
    post = make_poll_post(user)  # the service itself does not ask; the API does
    option_id = Poll.objects.get(post=post).options.first().pk
    method, url, data = write_requests(post, option_id)[index]
    api_client.force_authenticate(user)

    response = getattr(api_client, method)(url, data)

    assert response.status_code == 403
    assert error(response)["code"] == "email_unverified"
    assert Post.all_objects.count() == 1
    assert PollVote.objects.count() == 0


@pytest.mark.parametrize("index", range(7))
def test_every_write_is_refused_to_a_suspended_account(api_client, index):
    user = VerifiedUserFactory(suspended_until=timezone.now() + dt.timedelta(days=1))
    post = make_poll_post(user)
    option_id = Poll.objects.get(post=post).options.first().pk
    method, url, data = write_requests(post, option_id)[index]
    api_client.force_login(user)  # through the real authentication classes

    response = getattr(api_client, method)(url, data)

    assert response.status_code == 403
    assert error(response)["code"] == "account_suspended"
    assert Post.all_objects.count() == 1


def test_a_suspended_account_can_still_read(api_client):
    user = VerifiedUserFactory(suspended_until=timezone.now() + dt.timedelta(days=1))
    post = make_post(user)
    api_client.force_login(user)

    assert api_client.get(f"{POSTS}{post.pk}/").status_code == 200


def test_authors_may_repost_and_quote_their_own_posts(api_client):
    author = VerifiedUserFactory()
    post = make_post(author)
    api_client.force_authenticate(author)

    assert api_client.post(f"{POSTS}{post.pk}/repost/").status_code == 201
    assert api_client.post(f"{POSTS}{post.pk}/quote/", {"text": "again"}).status_code == 201


def test_a_mentioned_user_cannot_delete(api_client):
    author, mentioned = VerifiedUserFactory(), VerifiedUserFactory(handle="carol")
    post = make_post(author, text="hi @carol", visibility="mentioned")
    api_client.force_authenticate(mentioned)

    response = api_client.delete(f"{POSTS}{post.pk}/")

    assert (response.status_code, error(response)["code"]) == (403, "not_author")


def test_another_user_cannot_undo_someone_elses_repost(api_client):
    original = make_post()
    services.post_repost(user=VerifiedUserFactory(), post=original)
    api_client.force_authenticate(VerifiedUserFactory())

    response = api_client.delete(f"{POSTS}{original.pk}/repost/")

    assert (response.status_code, error(response)["code"]) == (404, "not_reposted")
    original.refresh_from_db()
    assert original.reposts_count == 1


def test_hashtag_lookup_is_the_same_signed_in_or_not(api_client):
    make_post(text="#art")
    anonymous = api_client.get(f"{POSTS}hashtags/", {"prefix": "a"}).json()
    api_client.force_authenticate(VerifiedUserFactory())

    assert (
        api_client.get(f"{POSTS}hashtags/", {"prefix": "a"}).json() == anonymous == [{"name": "art", "usage_count": 1}]
    )
