"""The profile and hashtag feeds' hand-written page statements pick exactly what the ORM rules
(``posts_visible_q``, ``videos_visible_q``, good standing, blocks and mutes) pick (issue 18)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.selectors import users_in_good_standing_q
from content.models import Post, Video
from content.selectors.posts import posts_visible_q
from content.selectors.videos import videos_visible_q
from content.services import posts as post_services
from social.models import Block, Mute
from social.services import graph as services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db

FEED = "/api/v1/feed"
V = Post.Visibility


def _hidden(viewer) -> set:
    if viewer is None:
        return set()
    blocks = Block.objects.filter(blocker=viewer).values_list("blocked_id", flat=True)
    blocked_by = Block.objects.filter(blocked=viewer).values_list("blocker_id", flat=True)
    muted = Mute.objects.filter(muter=viewer).values_list("muted_id", flat=True)
    return {*blocks, *blocked_by, *muted}


def _expected(viewer, *, posts, videos) -> list[str]:
    """The ORM definition the feeds had before their statements were written out."""
    hidden = _hidden(viewer)
    posts = posts.filter(posts_visible_q(user=viewer)).exclude(author_id__in=hidden)
    posts = posts.exclude(original__author_id__in=hidden)
    videos = videos.filter(videos_visible_q(user=viewer)).exclude(owner_id__in=hidden)
    ids = [*posts.values_list("id", flat=True), *videos.values_list("id", flat=True)]
    return [str(pk) for pk in sorted(ids, reverse=True)]


def _walk(client, path) -> list[str]:
    """Every item of the feed, page by page (pages of 3, so cursors are crossed)."""
    got, cursor = [], None
    while True:
        response = client.get(path, {"page_size": 3, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        got += [item["id"] for item in body["results"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return got


@pytest.fixture
def world(ana, bob, carol):
    """ana (the viewer) follows bob; carol is a stranger; dave is muted by ana; erin blocks ana;
    frank is blocked by ana; gina is suspended. Each posts #ink in every visibility, some removed,
    limited or deleted, reposts and quotes of each other, and videos tagged ink."""
    dave, erin, frank, gina = (VerifiedUserFactory(handle=h) for h in ("dave", "erin", "frank", "gina"))
    services.follow_create(follower=ana, followee=bob)
    services.mute_create(muter=ana, muted=dave)
    originals = {}
    for author in (ana, bob, carol, dave, erin, frank, gina):
        for visibility in (V.PUBLIC, V.FOLLOWERS, V.MENTIONED):
            make_post(author, text=f"#ink {visibility} by {author.handle}", visibility=visibility)
        if author != ana:
            make_post(author, text="#ink for @ana", visibility=V.MENTIONED)
        removed = make_post(author, text="#ink removed")
        limited = make_post(author, text="#ink limited")
        deleted = make_post(author, text="#ink deleted")
        Post.objects.filter(pk=removed.pk).update(moderation_status=Post.ModerationStatus.REMOVED)
        Post.objects.filter(pk=limited.pk).update(moderation_status=Post.ModerationStatus.LIMITED)
        Post.all_objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
        originals[author.handle] = make_post(author, text="#ink an original")
        VideoFactory(owner=author, tags=["ink"])
        VideoFactory(owner=author, tags=["ink"], visibility=Video.Visibility.SCHEDULED,
                     publish_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    for sharer in (bob, carol):
        for handle in ("dave", "erin", "frank", "carol", "bob"):
            if handle != sharer.handle:
                post_services.post_repost(user=sharer, post=originals[handle])
    services.block_create(blocker=erin, blocked=ana)
    services.block_create(blocker=ana, blocked=frank)
    type(gina).objects.filter(pk=gina.pk).update(suspended_until=timezone.now() + dt.timedelta(days=3))
    return ana, bob, carol, dave, erin, frank, gina


@pytest.mark.parametrize("signed_in", [True, False])
def test_the_hashtag_feed_picks_what_the_orm_rules_pick(world, api_client, signed_in):
    ana = world[0]
    viewer = ana if signed_in else None
    if signed_in:
        api_client.force_authenticate(ana)
    posts = (
        Post.objects.filter(hashtags__contains=["ink"])
        .filter(users_in_good_standing_q(prefix="author__"))
        .exclude(moderation_status=Post.ModerationStatus.LIMITED)
    )
    expected = _expected(viewer, posts=posts, videos=Video.objects.filter(tags__contains=["ink"]))

    got = _walk(api_client, f"{FEED}/hashtags/ink/")

    assert got == expected
    assert len(expected) > 10  # the world is not empty: the comparison means something


@pytest.mark.parametrize("signed_in", [True, False])
@pytest.mark.parametrize("handle", ["ana", "bob", "carol", "dave"])
def test_the_profile_feed_picks_what_the_orm_rules_pick(world, api_client, signed_in, handle):
    ana = world[0]
    viewer = ana if signed_in else None
    if signed_in:
        api_client.force_authenticate(ana)
    author = type(ana).objects.get(handle=handle)
    expected = _expected(viewer, posts=Post.objects.filter(author=author), videos=Video.objects.filter(owner=author))

    got = _walk(api_client, f"{FEED}/users/{handle}/")

    assert got == expected
    if handle != "dave" or not signed_in:  # a muted author's feed is empty for the muter
        assert got


@pytest.mark.parametrize("handle", ["erin", "frank"])
def test_a_profile_with_a_block_either_way_is_not_found_and_visible_to_visitors(world, api_client, handle):
    assert api_client.get(f"{FEED}/users/{handle}/").status_code == 200
    api_client.force_authenticate(world[0])

    response = api_client.get(f"{FEED}/users/{handle}/")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "user_not_found"


def test_a_block_made_between_two_pages_shows_on_the_next(world, api_client):
    ana, _bob, carol = world[:3]
    api_client.force_authenticate(ana)
    before = _walk(api_client, f"{FEED}/hashtags/ink/")
    carols = {str(pk) for pk in Post.objects.filter(author=carol).values_list("id", flat=True)}
    assert carols & set(before)

    services.block_create(blocker=ana, blocked=carol)

    after = _walk(api_client, f"{FEED}/hashtags/ink/")
    assert not carols & set(after)
    assert api_client.get(f"{FEED}/users/carol/").status_code == 404
