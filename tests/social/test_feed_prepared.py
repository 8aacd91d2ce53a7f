"""The feeds' statements prepared on the connection (core.compiled.prepared_cursor): PostgreSQL
keeps their parse and plan, never their rows. Each test reads the feeds signed in with a knox
token (token authentication's statement is prepared too) until the statements are prepared and
past the point where PostgreSQL may plan them generically, then changes something and shows it
in the very next response: an edit, a deletion, a block, a suspension, a members-only gate, a
revoked device."""

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.utils import timezone
from knox.models import get_token_model
from rest_framework.test import APIClient

from accounts.models import AuthDevice
from content.models import Post
from content.services import posts as post_services
from social.services import graph as services
from tests.billing.factories import member_of, tier_of
from tests.content.post_factories import VerifiedUserFactory, make_post

pytestmark = pytest.mark.django_db

FEED = "/api/v1/feed"
# psycopg prepares a statement on its 5th run on a connection; PostgreSQL may then plan it
# generically from the 6th execution of the prepared statement on.
WARM = 12


@pytest.fixture(autouse=True, params=["merge", "scan"])
def home_strategy(request, monkeypatch):
    """Both shapes of the home statement (per-followee merge, newest-first scan)."""
    from social.selectors import feeds

    monkeypatch.setattr(feeds, "HOME_SCAN_MIN_FOLLOWING", 10**9 if request.param == "merge" else 0)
    return request.param


def _token_client(user) -> tuple[APIClient, AuthDevice]:
    auth_token, token = get_token_model().objects.create(user=user, expiry=None)
    device = AuthDevice.objects.create(
        user=user, kind=AuthDevice.Kind.TOKEN, name="test", platform="", user_agent="test",
        user_agent_fingerprint=hashlib.sha256(b"test").hexdigest(), last_seen_at=timezone.now(),
        token_key=auth_token.token_key,
    )  # fmt: skip
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}"), device


def ids(response):
    assert response.status_code == 200, response.content[:300]
    return [item["id"] for item in response.json()["results"]]


def _warm(client, *paths):
    for _ in range(WARM):
        for path in paths:
            assert client.get(path).status_code == 200


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def world():
    viewer, author = VerifiedUserFactory(handle="viewer"), VerifiedUserFactory(handle="author")
    services.follow_create(follower=viewer, followee=author)
    client, device = _token_client(viewer)
    return viewer, author, client, device


def test_the_hot_statements_are_prepared_and_django_querysets_are_not(world):
    _viewer, author, client, _ = world
    make_post(author, text="hello")
    _warm(client, f"{FEED}/home/", f"{FEED}/users/author/")

    prepared = _prepared()
    assert any("social_like" in sql and "followee_id AS id" in sql for sql in prepared)  # the home page statement
    assert any("social_like" in sql and "%(" not in sql and "author_id = $" in sql for sql in prepared)  # profile's
    assert any('FROM "content_post"' in sql and "jsonb_build_object" in sql for sql in prepared)  # hydration
    assert any('FROM "knox_authtoken"' in sql for sql in prepared)  # token authentication
    assert any('FROM "accounts_user"' in sql and "lower" in sql.lower() for sql in prepared)  # the profile's author
    # Django's own querysets keep client-side binding: nothing else is prepared.
    assert all("$1" in sql for sql in prepared)


def test_an_edit_and_a_deletion_show_in_the_next_response(world):
    _viewer, author, client, _ = world
    post = make_post(author, text="first words")
    other = make_post(author, text="stays")
    paths = (f"{FEED}/home/", f"{FEED}/users/author/")
    _warm(client, *paths)

    post_services.post_update(post=Post.objects.get(pk=post.pk), by=author, text="second words")
    for path in paths:
        texts = {item["id"]: item["post"]["text"] for item in client.get(path).json()["results"]}
        assert texts[str(post.pk)] == "second words"

    post_services.post_delete(post=Post.objects.get(pk=post.pk), by=author)
    for path in paths:
        assert ids(client.get(path)) == [str(other.pk)]


def test_a_block_shows_in_the_next_response(world):
    viewer, author, client, _ = world
    post = make_post(author, text="hello")
    stranger = VerifiedUserFactory(handle="stranger")
    repost = post_services.post_repost(user=author, post=make_post(stranger, text="shared"))
    _warm(client, f"{FEED}/home/", f"{FEED}/users/author/", f"{FEED}/users/stranger/")
    assert ids(client.get(f"{FEED}/home/")) == [str(repost.pk), str(post.pk)]

    services.block_create(blocker=stranger, blocked=viewer)  # the repost's original's author blocks the viewer
    assert ids(client.get(f"{FEED}/home/")) == [str(post.pk)]
    assert ids(client.get(f"{FEED}/users/author/")) == [str(post.pk)]
    assert client.get(f"{FEED}/users/stranger/").status_code == 404

    services.block_create(blocker=viewer, blocked=author)  # ends the follow too
    assert ids(client.get(f"{FEED}/home/")) == []
    assert client.get(f"{FEED}/users/author/").status_code == 404


def test_a_suspension_shows_in_the_next_response_and_its_end_too(world):
    _viewer, author, client, _ = world
    post = make_post(author, text="hello")
    _warm(client, f"{FEED}/home/", f"{FEED}/users/author/")

    type(author).objects.filter(pk=author.pk).update(suspended_until=timezone.now() + dt.timedelta(days=1))
    assert ids(client.get(f"{FEED}/home/")) == []
    assert client.get(f"{FEED}/users/author/").status_code == 404

    type(author).objects.filter(pk=author.pk).update(suspended_until=timezone.now() - dt.timedelta(seconds=1))
    assert ids(client.get(f"{FEED}/home/")) == [str(post.pk)]
    assert ids(client.get(f"{FEED}/users/author/")) == [str(post.pk)]


def test_a_members_only_post_follows_the_membership_in_the_next_response(world):
    viewer, author, client, _ = world
    tier = tier_of(author, position=1)
    public = make_post(author, text="for everyone")
    gated = make_post(author, text="for members")
    post_services.post_update(post=gated, by=author, minimum_tier=1)
    paths = (f"{FEED}/home/", f"{FEED}/users/author/")
    _warm(client, *paths)
    for path in paths:
        assert ids(client.get(path)) == [str(public.pk)]

    membership = member_of(tier, viewer)
    for path in paths:
        assert ids(client.get(path)) == [str(gated.pk), str(public.pk)]

    type(membership).objects.filter(pk=membership.pk).update(status="canceled")
    for path in paths:
        assert ids(client.get(path)) == [str(public.pk)]


def test_a_revoked_device_is_refused_on_the_next_request(world):
    _viewer, author, client, device = world
    make_post(author, text="hello")
    _warm(client, f"{FEED}/home/")

    AuthDevice.objects.filter(pk=device.pk).update(revoked_at=timezone.now())
    assert client.get(f"{FEED}/home/").status_code == 401


def test_signed_out_profile_pages_use_the_prepared_statements_too(world, api_client):
    _viewer, author, _, _ = world
    public = make_post(author, text="for everyone")
    make_post(author, text="for followers", visibility=Post.Visibility.FOLLOWERS)
    for _ in range(WARM):
        assert ids(api_client.get(f"{FEED}/users/author/")) == [str(public.pk)]

    post_services.post_delete(post=Post.objects.get(pk=public.pk), by=author)
    assert ids(api_client.get(f"{FEED}/users/author/")) == []
