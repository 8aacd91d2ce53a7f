"""/api/v1/search/: users by handle and name (trigram), posts and videos by full text."""

import pytest

from content.services import videos as video_services
from social.services import graph as services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db


def handles(response):
    return [user["handle"] for user in response.json()]


def test_users_by_handle_prefix_display_name_and_close_spelling(api_client, ana, bob, carol):
    VerifiedUserFactory(handle="anabelle", display_name="Belle")

    assert handles(api_client.get("/api/v1/search/users/", {"q": "@ana"})) == ["ana", "anabelle"]
    assert handles(api_client.get("/api/v1/search/users/", {"q": "Stone"})) == ["bob"]
    assert handles(api_client.get("/api/v1/search/users/", {"q": "carrol"})) == ["carol"]


def test_user_search_leaves_out_blocks_both_ways(as_user, ana, bob):
    services.block_create(blocker=bob, blocked=ana)

    assert handles(as_user(ana).get("/api/v1/search/users/", {"q": "bob"})) == []
    assert handles(as_user(bob).get("/api/v1/search/users/", {"q": "ana"})) == []


def test_search_needs_a_query(api_client):
    response = api_client.get("/api/v1/search/users/", {"q": "a"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "query_required"


def test_search_all_composes_users_posts_and_videos(api_client, bob):
    post = make_post(bob, text="a story about the fox")
    video = VideoFactory(owner=bob, title="Fox in the snow")
    video = video_services.video_update(video=video, by=bob, changes={"title": video.title})
    VerifiedUserFactory(handle="foxy")

    body = api_client.get("/api/v1/search/", {"q": "fox"}).json()

    assert [user["handle"] for user in body["users"]] == ["foxy"]
    assert [p["id"] for p in body["posts"]] == [str(post.pk)]
    assert [v["id"] for v in body["videos"]] == [str(video.pk)]
