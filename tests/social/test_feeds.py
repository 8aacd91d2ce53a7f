"""/api/v1/feed/: home, profile, hashtag and trending; contents, order, cursor pagination while
new posts arrive, block and mute filtering, viewer_liked/viewer_saved, query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from content.models import Hashtag, Post
from content.services import posts as post_services
from social.models import Like, Save
from social.services import graph as services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db

FEED = "/api/v1/feed"


def ids(response):
    return [item["id"] for item in response.json()["results"]]


def code(response):
    return response.json()["errors"][0]["code"]


@pytest.fixture(autouse=True, params=["merge", "scan"])
def home_strategy(request, monkeypatch):
    """Every test runs with both shapes of the home statement (per-followee merge, newest-first scan)."""
    from social.selectors import feeds

    monkeypatch.setattr(feeds, "HOME_SCAN_MIN_FOLLOWING", 10**9 if request.param == "merge" else 0)
    return request.param


@pytest.fixture
def network(ana, bob, carol):
    """ana follows bob; carol is a stranger."""
    services.follow_create(follower=ana, followee=bob)
    return ana, bob, carol


def test_home_has_followed_users_and_own_items_newest_first(as_user, network):
    ana, bob, carol = network
    own = make_post(ana, text="mine")
    bobs = make_post(bob, text="bob's")
    make_post(carol, text="stranger's")
    video = VideoFactory(owner=bob)
    repost = post_services.post_repost(user=bob, post=make_post(carol, text="worth sharing"))
    followers_only = make_post(bob, text="for followers", visibility=Post.Visibility.FOLLOWERS)

    response = as_user(ana).get(f"{FEED}/home/")

    assert response.status_code == 200
    assert ids(response) == [str(followers_only.pk), str(repost.pk), str(video.pk), str(bobs.pk), str(own.pk)]
    items = response.json()["results"]
    assert [item["type"] for item in items] == ["post", "post", "video", "post", "post"]
    assert items[2]["post"] is None
    assert items[2]["video"]["id"] == str(video.pk)
    assert items[1]["post"]["kind"] == "repost"
    assert items[1]["post"]["original"]["text"] == "worth sharing"
    assert items[0]["video"] is None
    assert response.json()["next"] is None


def test_home_says_what_the_viewer_liked_and_saved(as_user, network):
    ana, bob, _carol = network
    liked = make_post(bob, text="liked")
    saved_video = VideoFactory(owner=bob)
    plain = make_post(bob, text="plain")
    Like.objects.create(user=ana, post=liked)
    Save.objects.create(user=ana, video=saved_video)
    Like.objects.create(user=bob, post=plain)  # someone else's like

    items = {item["id"]: item for item in as_user(ana).get(f"{FEED}/home/").json()["results"]}

    assert (items[str(liked.pk)]["viewer_liked"], items[str(liked.pk)]["viewer_saved"]) == (True, False)
    assert (items[str(saved_video.pk)]["viewer_liked"], items[str(saved_video.pk)]["viewer_saved"]) == (False, True)
    assert (items[str(plain.pk)]["viewer_liked"], items[str(plain.pk)]["viewer_saved"]) == (False, False)


def test_home_pagination_has_no_gaps_or_repeats_while_new_posts_arrive(as_user, network):
    ana, bob, _carol = network
    older = [make_post(bob, text=f"post {i}") for i in range(7)]
    client = as_user(ana)

    seen = []
    response = client.get(f"{FEED}/home/", {"page_size": 3})
    while True:
        seen += ids(response)
        # New posts arrive between pages: they go on top, never into later pages.
        make_post(bob, text="fresh")
        next_url = response.json()["next"]
        if next_url is None:
            break
        response = client.get(next_url)

    assert seen == [str(post.pk) for post in reversed(older)]


def test_home_cursor_must_be_one_the_api_gave(as_user, ana):
    response = as_user(ana).get(f"{FEED}/home/", {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert code(response) == "invalid_cursor"


def test_home_needs_sign_in(api_client):
    assert api_client.get(f"{FEED}/home/").status_code in (401, 403)


def test_home_leaves_out_muted_users_and_reposts_of_their_posts(as_user, network):
    ana, bob, _carol = network
    dave = VerifiedUserFactory(handle="dave")
    services.follow_create(follower=ana, followee=dave)
    make_post(dave, text="muted one")
    VideoFactory(owner=dave)
    post_services.post_repost(user=bob, post=make_post(dave, text="muted original"))
    kept = make_post(bob, text="kept")
    services.mute_create(muter=ana, muted=dave)

    assert ids(as_user(ana).get(f"{FEED}/home/")) == [str(kept.pk)]
    # Dave is not told: his own home still has his items.
    assert len(ids(as_user(dave).get(f"{FEED}/home/"))) == 3


def test_home_leaves_out_reposts_of_a_blocker(as_user, network):
    ana, bob, carol = network
    repost = post_services.post_repost(user=bob, post=make_post(carol, text="carol's"))
    kept = make_post(bob, text="kept")
    services.block_create(blocker=carol, blocked=ana)

    assert ids(as_user(ana).get(f"{FEED}/home/")) == [str(kept.pk)]
    assert repost.pk  # bob's repost stays for everyone else
    assert str(repost.pk) in ids(as_user(bob).get(f"{FEED}/home/"))


def test_block_ends_the_follow_so_the_blocker_leaves_the_home_feed(as_user, network):
    ana, bob, _carol = network
    make_post(bob, text="bob's")
    services.block_create(blocker=bob, blocked=ana)

    assert ids(as_user(ana).get(f"{FEED}/home/")) == []


@pytest.mark.parametrize("page_size", [5, 20])
def test_home_query_count_is_fixed_whatever_the_page_size(as_user, network, page_size, django_assert_num_queries):
    ana, bob, carol = network
    dave = VerifiedUserFactory()
    services.follow_create(follower=ana, followee=dave)
    services.mute_create(muter=ana, muted=dave)
    for i in range(page_size):
        make_post(bob, text=f"#tag{i} with @carol")
        VideoFactory(owner=bob)
        post_services.post_repost(user=bob, post=make_post(carol, text=f"original {i} @ana"))
    client = as_user(ana)

    # the page statement; the posts (images, mentions, polls as columns); the videos
    with django_assert_num_queries(3):
        response = client.get(f"{FEED}/home/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
    assert {item["type"] for item in response.json()["results"]} == {"post", "video"}


def _mixed_network(ana, bob, carol, *, items: int):
    """Bob's ``items`` posts of every shape a page can hold, and as many videos."""
    from content.models import PostImage
    from content.services.posts import PostContent
    from tests.content.post_factories import make_poll_post

    for i in range(items):
        shape = i % 6
        if shape == 0:
            post = make_post(bob, text=f"images {i}")
            for position in range(2):
                PostImage.objects.create(
                    post=post, position=position, full=f"posts/{post.pk}/{position}.webp",
                    feed=f"posts/{post.pk}/{position}f.webp", width=800, height=600, alt_text=f"alt {i}",
                )  # fmt: skip
        elif shape == 1:
            make_post(bob, text=f"hello @carol and @ana {i}")
        elif shape == 2:
            poll = make_poll_post(bob)
            if i % 4 == 2:
                post_services.poll_vote(post=poll, user=ana, option_ids=[poll.poll.options.first().pk])
        elif shape == 3:
            post_services.post_repost(user=bob, post=make_poll_post(carol))
        elif shape == 4:
            original = make_post(carol, text=f"@bob look {i}")
            post_services.post_quote(user=bob, post=original, content=PostContent(text=f"quoting @carol {i}"))
        else:
            make_post(bob, text=f"plain {i}")
        VideoFactory(owner=bob)


@pytest.mark.parametrize("client_kind", ["session", "token"])
@pytest.mark.parametrize("page_size", [20, 100])
def test_a_mixed_home_page_is_five_queries_in_all(network, page_size, client_kind, django_assert_num_queries):
    """Images, mentions, polls (voted and not), reposts, quotes and videos on one page, read by a
    client that logged in through the API: the whole request is 5 queries with a session (the
    session from the cache, the user, the device) and 4 with a token (the token with its user and
    device in one), then the page statement, the posts, the videos, whatever the mix and the page size."""
    from rest_framework.test import APIClient

    ana, bob, carol = network
    _mixed_network(ana, bob, carol, items=page_size)
    client = APIClient()
    login = client.post(
        "/api/v1/auth/login/",
        {"email": ana.email, "password": "correct horse battery staple", "client": client_kind},
    )
    assert login.status_code == 200
    if client_kind == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    client.get(f"{FEED}/home/", {"page_size": page_size})  # the device's first use is noted (one write a minute)

    with django_assert_num_queries(5 if client_kind == "session" else 4) as captured:
        response = client.get(f"{FEED}/home/", {"page_size": page_size})

    assert response.status_code == 200
    assert response.wsgi_request.user == ana
    assert "django_session" not in " ".join(query["sql"] for query in captured.captured_queries)
    items = response.json()["results"]
    assert len(items) == page_size
    posts = [item["post"] for item in items if item["type"] == "post"]
    assert {item["type"] for item in items} == {"post", "video"}
    assert any(post["images"] for post in posts)
    assert any(post["mentions"] for post in posts)
    assert any(post["poll"] and post["poll"]["own_vote"] for post in posts)
    assert any(post["original"] and post["original"]["poll"] for post in posts)
    assert any(post["original"] and post["original"]["mentions"] for post in posts)


def test_every_post_on_a_mixed_page_renders_as_its_detail_does(as_user, network):
    """The page reads images, mentions and polls from its own columns; the detail endpoint reads
    them with the content app's prefetches. Both must answer the same, post for post."""
    ana, bob, carol = network
    _mixed_network(ana, bob, carol, items=24)
    client = as_user(ana)

    items = client.get(f"{FEED}/home/", {"page_size": 48}).json()["results"]

    posts = [item for item in items if item["type"] == "post"]
    assert len(posts) == 24
    for item in posts:
        detail = client.get(f"/api/v1/posts/{item['id']}/")
        assert detail.status_code == 200
        assert item["post"] == detail.json()


# --- profile and hashtag -----------------------------------------------------------------------------


def test_profile_feed_respects_visibility(as_user, api_client, network):
    ana, bob, carol = network
    public = make_post(bob, text="public")
    followers_only = make_post(bob, text="followers", visibility=Post.Visibility.FOLLOWERS)
    video = VideoFactory(owner=bob)

    assert ids(as_user(ana).get(f"{FEED}/users/bob/")) == [str(video.pk), str(followers_only.pk), str(public.pk)]
    assert ids(as_user(carol).get(f"{FEED}/users/bob/")) == [str(video.pk), str(public.pk)]
    api_client.force_authenticate(None)
    assert ids(api_client.get(f"{FEED}/users/bob/")) == [str(video.pk), str(public.pk)]


def test_profile_feed_of_a_blocker_is_404_for_the_blocked(as_user, ana, bob):
    make_post(bob, text="public")
    services.block_create(blocker=bob, blocked=ana)

    response = as_user(ana).get(f"{FEED}/users/bob/")

    assert response.status_code == 404
    assert code(response) == "user_not_found"


def test_hashtag_feed(as_user, api_client, ana, bob, carol):
    tagged = make_post(bob, text="ink #Inktober")
    make_post(bob, text="nothing here")
    video = VideoFactory(owner=carol, tags=["inktober"])
    blockers = make_post(carol, text="#inktober from carol")
    services.block_create(blocker=carol, blocked=ana)

    assert ids(api_client.get(f"{FEED}/hashtags/inktober/")) == [str(blockers.pk), str(video.pk), str(tagged.pk)]
    assert ids(as_user(ana).get(f"{FEED}/hashtags/%23inktober/")) == [str(tagged.pk)]


def test_trending_ranks_by_recent_use_against_usual_rate(api_client, bob, settings):
    now = timezone.now()
    for _ in range(3):
        make_post(bob, text="#steady")
    for _ in range(2):
        make_post(bob, text="#rising")
    make_post(bob, text="#banned")
    # #steady was as busy every day last week: its usual rate is 3 a day.
    for days in range(2, 8):
        for _ in range(3):
            post = make_post(bob, text="#steady")
            Post.objects.filter(pk=post.pk).update(created_at=now - dt.timedelta(days=days))
    Hashtag.objects.filter(name="banned").update(blocked_from_trending=True)

    response = api_client.get(f"{FEED}/trending-hashtags/")

    assert response.status_code == 200
    rows = response.json()
    assert [row["name"] for row in rows] == ["rising", "steady"]
    assert rows[0] == {"name": "rising", "uses_24h": 2, "usual_per_day": 0.0, "score": 2.0}
    assert rows[1]["uses_24h"] == 3
    assert rows[1]["usual_per_day"] == pytest.approx(18 / 7, abs=0.01)


@pytest.mark.parametrize("page_size", [5, 20])
def test_profile_and_hashtag_feed_query_counts_are_fixed(as_user, network, page_size, django_assert_num_queries):
    ana, bob, carol = network
    for i in range(page_size):
        make_post(bob, text=f"#ink {i} with @carol")
        VideoFactory(owner=bob, tags=["ink"])
        post_services.post_repost(user=bob, post=make_post(carol, text=f"original {i}"))
    client = as_user(ana)

    # the author (with the block test); the page statement; posts (images, mentions, polls as
    # columns); videos
    with django_assert_num_queries(4):
        profile = client.get(f"{FEED}/users/bob/", {"page_size": page_size})
    # the page statement; posts; videos
    with django_assert_num_queries(3):
        hashtag = client.get(f"{FEED}/hashtags/ink/", {"page_size": page_size})

    assert len(profile.json()["results"]) == page_size
    assert len(hashtag.json()["results"]) == page_size


def test_a_post_mentioning_several_users_is_listed_once_and_only_to_whom_it_may(as_user, network):
    """Mentions are tested with EXISTS, so a post that mentions several users is one row (no
    DISTINCT needed), in the profile and hashtag feeds and the posts-by-author list alike."""
    ana, bob, carol = network
    dave = VerifiedUserFactory(handle="dave")
    mentioned = make_post(bob, text="@ana @carol @dave see #ink", visibility=Post.Visibility.MENTIONED)
    public = make_post(bob, text="#ink for everyone")
    assert mentioned.mentions.count() == 3
    stranger = VerifiedUserFactory(handle="erin")

    for viewer in (ana, carol, dave):
        client = as_user(viewer)
        assert ids(client.get(f"{FEED}/users/bob/")) == [str(public.pk), str(mentioned.pk)]
        assert ids(client.get(f"{FEED}/hashtags/ink/")) == [str(public.pk), str(mentioned.pk)]
        assert ids(client.get("/api/v1/posts/", {"author": "bob"})) == [str(public.pk), str(mentioned.pk)]
    client = as_user(stranger)
    assert ids(client.get(f"{FEED}/users/bob/")) == [str(public.pk)]
    assert ids(client.get(f"{FEED}/hashtags/ink/")) == [str(public.pk)]
    assert ids(client.get("/api/v1/posts/", {"author": "bob"})) == [str(public.pk)]


def test_profile_and_hashtag_pages_pick_their_rows_without_distinct(as_user, network):
    """The page's posts are picked by id under the LIMIT; a DISTINCT there made PostgreSQL read and
    render every matching post first (see docs/social.md, performance)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ana, bob, _carol = network
    make_post(bob, text="#ink with @carol")
    client = as_user(ana)
    for path in (f"{FEED}/users/bob/", f"{FEED}/hashtags/ink/"):
        executed = []

        def record(execute, sql, params, many, context, executed=executed):
            executed.append((sql, params))
            return execute(sql, params, many, context)

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(record):
            assert client.get(path).status_code == 200
        # The page statement picks the ids (posts and videos); the posts are then read by id.
        page_sql = [q["sql"] for q in captured.captured_queries if "content_post p" in q["sql"]]
        assert len(page_sql) == 1
        assert "DISTINCT" not in page_sql[0]
        # Under the LIMIT of a page and one more (a parameter: the profile's statement is prepared,
        # so its logged text shows ``$n`` where the values go).
        ((sql, params),) = [(sql, params) for sql, params in executed if "content_post p" in sql]
        assert "LIMIT %(limit)s" in sql
        assert params["limit"] == 21
        posts_sql = [q["sql"] for q in captured.captured_queries if 'FROM "content_post"' in q["sql"]]
        assert len(posts_sql) == 1
        assert "DISTINCT" not in posts_sql[0]


def test_profile_feed_finds_the_author_in_any_case_through_the_lower_handle_index(as_user, network):
    """``handle__iexact`` compiles to UPPER(handle), which no index serves (a scan of every
    account per page); the lookup is by LOWER(handle), the unique index's expression."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ana, bob, _carol = network
    post = make_post(bob, text="hello")
    with CaptureQueriesContext(connection) as captured:
        response = as_user(ana).get(f"{FEED}/users/@BoB/")

    assert ids(response) == [str(post.pk)]
    lookups = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "accounts_user"')]
    assert len(lookups) == 1
    assert 'LOWER("accounts_user"."handle") = ' in lookups[0]
    assert "UPPER" not in lookups[0]
