"""Full-text search (stored tsvector, ranked, visibility respected) and hashtag prefix lookup."""

import pytest

from content.models import Hashtag
from content.services import posts as services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.factories import with_role

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/posts/search/"
HASHTAGS = "/api/v1/posts/hashtags/"


def error(response):
    return response.json()["errors"][0]


def ids(response):
    assert response.status_code == 200
    return [item["id"] for item in response.json()]


def test_results_are_ranked_by_relevance(api_client):
    author = VerifiedUserFactory()
    once = make_post(author, text="A fox crossed the road")
    twice = make_post(author, text="Fox here, fox there")
    make_post(author, text="An owl at night")

    assert ids(api_client.get(SEARCH, {"q": "fox"})) == [str(twice.pk), str(once.pk)]


def test_search_syntax_phrases_and_exclusions(api_client):
    author = VerifiedUserFactory()
    red_fox = make_post(author, text="the red fox sleeps")
    fox_red = make_post(author, text="a fox, red and quick")

    assert ids(api_client.get(SEARCH, {"q": '"red fox"'})) == [str(red_fox.pk)]
    assert ids(api_client.get(SEARCH, {"q": "fox -quick"})) == [str(red_fox.pk)]
    assert sorted(ids(api_client.get(SEARCH, {"q": "FOX"}))) == sorted([str(red_fox.pk), str(fox_red.pk)])


def test_search_respects_visibility_and_moderation(api_client):
    author = VerifiedUserFactory(handle="ana")
    mentioned, other = VerifiedUserFactory(handle="carol"), VerifiedUserFactory()
    public = make_post(author, text="secret garden public")
    private = make_post(author, text="secret garden for @carol", visibility="mentioned")
    followers = make_post(author, text="secret garden followers", visibility="followers")
    limited = make_post(author, text="secret garden limited")
    removed = make_post(author, text="secret garden removed")
    deleted = make_post(author, text="secret garden deleted")
    moderator = with_role(VerifiedUserFactory(), "moderator")
    services.post_moderate(post=limited, status="limited", reason="borderline", by=moderator)
    services.post_moderate(post=removed, status="removed", reason="spam", by=moderator)
    services.post_delete(post=deleted, by=author)

    assert ids(api_client.get(SEARCH, {"q": "garden"})) == [str(public.pk)]
    api_client.force_authenticate(other)
    assert ids(api_client.get(SEARCH, {"q": "garden"})) == [str(public.pk)]
    api_client.force_authenticate(mentioned)
    assert sorted(ids(api_client.get(SEARCH, {"q": "garden"}))) == sorted([str(public.pk), str(private.pk)])
    api_client.force_authenticate(author)
    assert sorted(ids(api_client.get(SEARCH, {"q": "garden"}))) == sorted(
        [str(public.pk), str(private.pk), str(followers.pk), str(removed.pk)]
    )


def test_edits_are_searchable_at_once(api_client):
    author = VerifiedUserFactory()
    post = make_post(author, text="before")
    services.post_edit(post=post, by=author, text="after")

    assert ids(api_client.get(SEARCH, {"q": "before"})) == []
    assert ids(api_client.get(SEARCH, {"q": "after"})) == [str(post.pk)]


def test_search_needs_a_query(api_client):
    response = api_client.get(SEARCH, {"q": "  "})

    assert (response.status_code, error(response)["code"]) == (400, "query_required")


def test_hashtag_lookup_by_prefix(api_client):
    author = VerifiedUserFactory()
    make_post(author, text="#Django #djangocon")
    make_post(author, text="#django #DjangoGirls")
    make_post(author, text="#python")
    moderator = with_role(VerifiedUserFactory(), "moderator")
    services.hashtag_set_blocked(hashtag=Hashtag.objects.get(name="djangogirls"), blocked=True, by=moderator)

    response = api_client.get(HASHTAGS, {"prefix": "#DJ"})

    assert response.status_code == 200
    assert response.json() == [{"name": "django", "usage_count": 2}, {"name": "djangocon", "usage_count": 1}]


def test_hashtag_lookup_needs_a_prefix(api_client):
    response = api_client.get(HASHTAGS, {"prefix": "#"})

    assert (response.status_code, error(response)["code"]) == (400, "prefix_required")
