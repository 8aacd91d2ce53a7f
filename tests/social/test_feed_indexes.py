"""What the feeds read instead of searching every row, held to the rows it stands for.

- The hashtag feed's per-tag index of ids (``content.models.HashtagItem``, kept by triggers on
  the posts' and videos' tag arrays): exact after every write, and an edit, a deletion, a block
  or a video's new tags show in the very next response, with the page statement prepared and
  past the point where PostgreSQL may plan it generically.
- The home feed's window (``feeds.HOME_WINDOW``): every page the same as the unbounded
  merge's, whether the window holds a full page or not, and an item older than the window shown.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import HashtagItem, Post, Video
from content.services import posts as post_services
from social.selectors import feeds
from social.services import graph as services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory
from tests.social.test_feed_prepared import WARM, _token_client

pytestmark = pytest.mark.django_db

FEED = "/api/v1/feed"


def ids(response):
    assert response.status_code == 200, response.content[:300]
    return [item["id"] for item in response.json()["results"]]


def items_of(kind, pk):
    return sorted(HashtagItem.objects.filter(kind=kind, item_id=pk).values_list("tag", flat=True))


def test_the_tag_index_follows_every_write_of_the_tags():
    author = VerifiedUserFactory(handle="author")
    post = make_post(author, text="#ink and #Art and #ink again")
    untagged = make_post(author, text="no tags")
    assert items_of("post", post.pk) == ["art", "ink"]
    assert items_of("post", untagged.pk) == []

    post_services.post_update(post=Post.objects.get(pk=post.pk), by=author, text="only #sketch now")
    assert items_of("post", post.pk) == ["sketch"]
    Post.objects.filter(pk=post.pk).update(text="unchanged tags")  # other columns: nothing to do
    assert items_of("post", post.pk) == ["sketch"]

    video = VideoFactory(owner=author, tags=["ink", "film"])
    assert items_of("video", video.pk) == ["film", "ink"]
    Video.objects.filter(pk=video.pk).update(tags=["film"])
    assert items_of("video", video.pk) == ["film"]

    Post.objects.filter(pk=post.pk).delete()  # a soft deletion keeps the tags (the feed tests the row)
    assert items_of("post", post.pk) == ["sketch"]
    Post.all_objects.filter(pk=post.pk).hard_delete()
    Video.objects.filter(pk=video.pk).hard_delete()
    assert list(HashtagItem.objects.values_list("tag", "kind")) == []


@pytest.fixture
def world():
    viewer, author = VerifiedUserFactory(handle="viewer"), VerifiedUserFactory(handle="author")
    client, _device = _token_client(viewer)
    return viewer, author, client


def _warm(client, path):
    for _ in range(WARM):
        assert client.get(path).status_code == 200


def test_the_hashtag_page_statement_is_prepared():
    viewer = VerifiedUserFactory(handle="viewer")
    client, _device = _token_client(viewer)
    make_post(VerifiedUserFactory(), text="#ink")
    _warm(client, f"{FEED}/hashtags/ink/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("content_hashtagitem" in sql and "tag = $" in sql for sql in prepared)


def test_tag_edits_deletions_blocks_and_video_tags_show_in_the_next_hashtag_page(world):
    viewer, author, client = world
    path = f"{FEED}/hashtags/ink/"
    first = make_post(author, text="#ink first")
    second = make_post(author, text="#ink second")
    video = VideoFactory(owner=VerifiedUserFactory(handle="filmer"), tags=["film"])
    _warm(client, path)
    assert ids(client.get(path)) == [str(second.pk), str(first.pk)]

    post_services.post_update(post=Post.objects.get(pk=second.pk), by=author, text="no longer tagged")
    assert ids(client.get(path)) == [str(first.pk)]
    post_services.post_update(post=Post.objects.get(pk=second.pk), by=author, text="#ink once more")
    assert ids(client.get(path)) == [str(second.pk), str(first.pk)]

    Video.objects.filter(pk=video.pk).update(tags=["film", "ink"])
    assert ids(client.get(path)) == [str(video.pk), str(second.pk), str(first.pk)]

    post_services.post_delete(post=Post.objects.get(pk=second.pk), by=author)
    assert ids(client.get(path)) == [str(video.pk), str(first.pk)]

    services.block_create(blocker=author, blocked=viewer)
    assert ids(client.get(path)) == [str(video.pk)]


def test_the_hashtag_feed_pages_through_the_index_by_cursor(world):
    _viewer, author, client = world
    made = [make_post(author, text=f"#ink {n}") for n in range(7)]
    make_post(author, text="#other")
    seen, cursor = [], None
    while True:
        response = client.get(f"{FEED}/hashtags/ink/", {"page_size": 3, **({"cursor": cursor} if cursor else {})})
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [str(post.pk) for post in reversed(made)]


# --- the home feed's window ------------------------------------------------------------------------


def _walk_home(client, page_size):
    pages, cursor = [], None
    while True:
        response = client.get(f"{FEED}/home/", {"page_size": page_size, **({"cursor": cursor} if cursor else {})})
        pages.append(ids(response))
        cursor = response.json()["next_cursor"]
        if not cursor:
            return pages


def _page_statements(client, page_size):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{FEED}/home/", {"page_size": page_size}).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "followee_id AS id" in q["sql"]]


@pytest.mark.parametrize("window", [dt.timedelta(days=1), dt.timedelta(0)])
def test_the_windowed_home_page_is_the_unbounded_statements_page(world, monkeypatch, window):
    """Window of a day: every page but the last is full within it. Window of nothing: never
    full, so the unbounded branch answers. Both walk the same pages, one statement a page."""
    monkeypatch.setattr(feeds, "HOME_SCAN_MIN_FOLLOWING", 10**9)
    viewer, author, client = world
    services.follow_create(follower=viewer, followee=author)
    other = VerifiedUserFactory(handle="other")
    services.follow_create(follower=viewer, followee=other)
    made = []
    for n in range(9):
        made.append(make_post(author if n % 2 else other, text=f"post {n}"))
    made.append(VideoFactory(owner=author))
    made.append(make_post(viewer, text="my own"))
    monkeypatch.setattr(feeds, "HOME_WINDOW", window)

    pages = _walk_home(client, 4)
    expected = [str(item.pk) for item in reversed(made)]
    assert pages == [expected[0:4], expected[4:8], expected[8:11]]
    assert len(_page_statements(client, 4)) == 1


def test_an_item_older_than_the_window_still_shows(world, monkeypatch):
    monkeypatch.setattr(feeds, "HOME_SCAN_MIN_FOLLOWING", 10**9)
    viewer, author, client = world
    services.follow_create(follower=viewer, followee=author)
    old = make_post(author, text="old")
    new = make_post(author, text="new")
    # The older post made three days ago: its id is time-ordered like any made then.
    import uuid

    from content.models import Post as PostModel
    from content.models import PostRevision

    old_ms = (new.pk.int >> 80) - 3 * 86_400_000
    old_id = uuid.UUID(int=(old_ms << 80) | (old.pk.int & ((1 << 80) - 1)))
    PostModel.objects.filter(pk=old.pk).update(id=old_id)
    PostRevision.objects.filter(post_id=old.pk).update(post_id=old_id)  # foreign keys checked at commit

    assert ids(client.get(f"{FEED}/home/")) == [str(new.pk), str(old_id)]
    assert ids(client.get(f"{FEED}/home/", {"page_size": 1, "cursor": str(new.pk)})) == [str(old_id)]
