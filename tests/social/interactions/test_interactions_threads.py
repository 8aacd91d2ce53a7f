"""Thread pages: structure, display depth, replies beyond the page, and a fixed number of queries
whatever the page holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from social.selectors.comments import DISPLAY_DEPTH, REPLIES_PER_THREAD
from social.services import comments as services
from social.services import likes as like_services
from tests.content.post_factories import VerifiedUserFactory
from tests.social.interactions.helpers import client_for

pytestmark = pytest.mark.django_db


def chain(post, authors, length, parent=None):
    """``length`` replies each answering the previous one; returns them in order."""
    made = []
    for i in range(length):
        parent = services.comment_create(
            author=authors[i % len(authors)], content=post, text=f"level {i}", parent=parent
        )
        made.append(parent)
    return made


def test_deep_replies_are_shown_at_the_display_depth_with_reply_to(actor, owner, post):
    root, *replies = chain(post, [actor, owner], DISPLAY_DEPTH + 3)

    body = client_for(actor).get(f"/api/v1/posts/{post.pk}/comments/").json()

    [thread] = body["results"]
    assert thread["id"] == str(root.pk)
    assert [r["id"] for r in thread["replies"]] == [str(r.pk) for r in replies]
    assert [r["depth"] for r in thread["replies"]] == list(range(1, DISPLAY_DEPTH + 3))
    assert [r["display_depth"] for r in thread["replies"]] == [1, 2, 3, 3, 3]
    assert [r["reply_to"] for r in thread["replies"]] == ["actor", "owner", "actor", "owner", "actor"]
    assert thread["thread_replies_total"] == DISPLAY_DEPTH + 2
    assert replies[-1].depth == DISPLAY_DEPTH + 2  # unlimited in data


def test_replies_come_depth_first(actor, owner, post):
    root = services.comment_create(author=actor, content=post, text="root")
    a = services.comment_create(author=owner, content=post, text="a", parent=root)
    services.comment_create(author=owner, content=post, text="b", parent=root)
    a1 = services.comment_create(author=actor, content=post, text="a1", parent=a)

    thread = client_for(None).get(f"/api/v1/posts/{post.pk}/comments/").json()["results"][0]

    assert [r["text"] for r in thread["replies"]] == ["a", "a1", "b"]
    assert [r["parent_id"] for r in thread["replies"]] == [str(root.pk), str(a.pk), str(root.pk)]
    assert a1.root_id == root.pk


def test_a_page_holds_the_first_replies_and_the_rest_is_paginated(actor, owner, post):
    root = services.comment_create(author=actor, content=post, text="root")
    for i in range(REPLIES_PER_THREAD + 3):
        services.comment_create(author=owner, content=post, text=f"r{i:02d}", parent=root)

    thread = client_for(None).get(f"/api/v1/posts/{post.pk}/comments/").json()["results"][0]
    assert len(thread["replies"]) == REPLIES_PER_THREAD
    assert thread["thread_replies_total"] == REPLIES_PER_THREAD + 3
    assert thread["replies_count"] == REPLIES_PER_THREAD + 3

    seen, url = [], f"/api/v1/comments/{root.pk}/replies/?page_size=5"
    while url:
        page = client_for(None).get(url).json()
        seen += [r["text"] for r in page["results"]]
        url = page["next"]
    assert seen == [f"r{i:02d}" for i in range(REPLIES_PER_THREAD + 3)]

    detail = client_for(None).get(f"/api/v1/comments/{root.pk}/").json()
    assert detail["text"] == "root"
    assert len(detail["replies"]) == REPLIES_PER_THREAD + 3
    assert detail["more_replies"] is False


def test_top_level_comments_are_newest_first_and_paginated(actor, post):
    made = [services.comment_create(author=actor, content=post, text=f"c{i}") for i in range(5)]

    first = client_for(None).get(f"/api/v1/posts/{post.pk}/comments/?page_size=3").json()
    second = client_for(None).get(first["next"]).json()

    assert [c["text"] for c in first["results"] + second["results"]] == [c.text for c in reversed(made)]
    assert second["next"] is None


def _build(post, *, threads, replies_each, depth_chain, users):
    for t in range(threads):
        root = services.comment_create(author=users[t % len(users)], content=post, text=f"t{t} @{users[0].handle}")
        for r in range(replies_each):
            reply = services.comment_create(author=users[(t + r) % len(users)], content=post, text="r", parent=root)
            like_services.like(user=users[0], target=reply, content=post)
        chain(post, users, depth_chain, parent=root)


def _queries_for_page(client, post):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/posts/{post.pk}/comments/?page_size=50")
    assert response.status_code == 200
    return len(queries), response.json()


def test_thread_page_query_count_does_not_grow_with_the_page(owner):
    users = [VerifiedUserFactory(handle=f"user_t{i}") for i in range(4)]
    viewer = users[0]
    small_post = post_for(owner, "small")
    large_post = post_for(owner, "large")
    _build(small_post, threads=1, replies_each=1, depth_chain=0, users=users)
    _build(large_post, threads=12, replies_each=4, depth_chain=6, users=users)
    # A fresh user object per request, as in real requests (the blocks are kept on the object).
    small_count, small = _queries_for_page(client_for(User.objects.get(pk=viewer.pk)), small_post)
    large_count, large = _queries_for_page(client_for(User.objects.get(pk=viewer.pk)), large_post)

    assert len(small["results"]) == 1
    assert sum(len(t["replies"]) for t in small["results"]) == 1
    assert len(large["results"]) == 12
    assert sum(len(t["replies"]) for t in large["results"]) == 12 * REPLIES_PER_THREAD
    assert any(r["liked"] for t in large["results"] for r in t["replies"])
    assert small_count == large_count
    # 1 for the post (content's post_get: the post with its images and mentions, one statement), 1
    # for the viewer's blocks (content's visibility check reads them, the comments reuse them), then
    # 4 for the comments: the page, the replies of its threads, their mentions, the viewer's likes.
    assert large_count == 6


def post_for(author, text):
    from tests.content.post_factories import make_post

    return make_post(author, text=text)
