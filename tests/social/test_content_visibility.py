"""The graph reaching into content: followers-only posts for followers only; a blocked user
cannot see the blocker's posts or videos through any endpoint, mention them or quote them."""

import pytest

from content.models import Post
from notifications.models import Notification
from social.services import graph as services
from tests.content.post_factories import make_post
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db


def code(response):
    return response.json()["errors"][0]["code"]


def test_followers_only_posts_are_for_followers(as_user, api_client, ana, bob, carol):
    services.follow_create(follower=ana, followee=bob)
    post = make_post(bob, text="for my followers", visibility=Post.Visibility.FOLLOWERS)

    assert as_user(ana).get(f"/api/v1/posts/{post.pk}/").status_code == 200
    assert [p["id"] for p in as_user(ana).get("/api/v1/posts/", {"author": "bob"}).json()["results"]] == [str(post.pk)]
    assert as_user(carol).get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert as_user(carol).get("/api/v1/posts/", {"author": "bob"}).json()["results"] == []
    api_client.force_authenticate(None)
    assert api_client.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert as_user(bob).get(f"/api/v1/posts/{post.pk}/").status_code == 200


def test_unfollowing_hides_followers_only_posts_again(as_user, ana, bob):
    services.follow_create(follower=ana, followee=bob)
    post = make_post(bob, text="for my followers", visibility=Post.Visibility.FOLLOWERS)
    services.follow_delete(follower=ana, followee=bob)

    assert as_user(ana).get(f"/api/v1/posts/{post.pk}/").status_code == 404


def searchable(video):
    from content.services import videos as video_services

    # The search vector is written by the service on create and update.
    return video_services.video_update(video=video, by=video.owner, changes={"title": video.title})


@pytest.fixture
def blocked_setup(ana, bob):
    """bob blocks ana; bob has a public post and a public video."""
    post = make_post(bob, text="searchable fox story")
    video = searchable(VideoFactory(owner=bob, title="searchable fox video"))
    services.block_create(blocker=bob, blocked=ana)
    return post, video


@pytest.mark.parametrize("viewer", ["blocked", "blocker_sees_blocked"])
def test_a_block_hides_posts_through_detail_list_and_search(as_user, ana, bob, blocked_setup, viewer):
    post, _video = blocked_setup
    if viewer == "blocker_sees_blocked":
        # Either way: bob does not see ana's posts either.
        post = make_post(ana, text="searchable owl story")
        client, author, word = as_user(bob), "ana", "owl"
    else:
        client, author, word = as_user(ana), "bob", "fox"

    assert client.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert client.get("/api/v1/posts/", {"author": author}).json()["results"] == []
    assert client.get("/api/v1/posts/search/", {"q": word}).json() == []
    assert client.get("/api/v1/search/", {"q": word}).json()["posts"] == []


def test_a_block_hides_videos_through_detail_list_and_search(as_user, api_client, ana, bob, blocked_setup):
    _post, video = blocked_setup
    client = as_user(ana)

    assert client.get(f"/api/v1/videos/{video.pk}/").status_code == 404
    assert client.get("/api/v1/videos/", {"owner": str(bob.pk)}).json()["results"] == []
    assert client.get("/api/v1/videos/search/", {"q": "fox"}).json() == []
    assert client.get("/api/v1/search/", {"q": "fox"}).json()["videos"] == []
    assert client.get("/api/v1/feed/users/bob/").status_code == 404
    # Everyone else still sees them.
    api_client.force_authenticate(None)
    assert api_client.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    assert [v["id"] for v in api_client.get("/api/v1/videos/search/", {"q": "fox"}).json()] == [str(video.pk)]


def test_the_blocked_user_cannot_quote_or_repost_the_blocker(as_user, ana, bob, blocked_setup):
    post, _video = blocked_setup
    client = as_user(ana)

    quoted = client.post(f"/api/v1/posts/{post.pk}/quote/", {"text": "look at this"})
    reposted = client.post(f"/api/v1/posts/{post.pk}/repost/")

    assert (quoted.status_code, code(quoted)) == (403, "blocked")
    assert (reposted.status_code, code(reposted)) == (403, "blocked")
    assert not Post.objects.filter(author=ana).exists()


def test_reposting_a_repost_of_a_blocker_is_refused(as_user, ana, bob, carol):
    from content.services import posts as post_services

    original = make_post(bob, text="bob's")
    repost = post_services.post_repost(user=carol, post=original)
    services.block_create(blocker=bob, blocked=ana)

    response = as_user(ana).post(f"/api/v1/posts/{repost.pk}/repost/")

    assert (response.status_code, code(response)) == (403, "blocked")


def test_mentioning_a_blocker_leaves_the_mention_unresolved(as_user, ana, bob, carol):
    services.block_create(blocker=bob, blocked=ana)

    response = as_user(ana).post("/api/v1/posts/", {"text": "hello @bob and @carol"})

    assert response.status_code == 201
    assert [m["handle"] for m in response.json()["mentions"]] == ["carol"]
    assert response.json()["text"] == "hello @bob and @carol"
    post = Post.objects.get(author=ana)
    assert list(post.mentions.values_list("handle", flat=True)) == ["carol"]
    assert not Notification.objects.filter(recipient=bob).exists()


def test_the_blocker_cannot_mention_the_blocked_either(as_user, ana, bob):
    services.block_create(blocker=bob, blocked=ana)

    response = as_user(bob).post("/api/v1/posts/", {"text": "hello @ana"})

    assert response.json()["mentions"] == []


def test_after_unblock_the_content_is_visible_again(as_user, ana, bob, blocked_setup):
    post, video = blocked_setup
    services.block_delete(blocker=bob, blocked=ana)
    client = as_user(ana)

    assert client.get(f"/api/v1/posts/{post.pk}/").status_code == 200
    assert client.get(f"/api/v1/videos/{video.pk}/").status_code == 200
