"""A post or video a moderator marked sensitive says so to every client that shows it: its own
endpoint, the feeds and a reposts' embedded original."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from moderation.services.actions import target_act
from social.services.graph import follow_create
from tests.content.post_factories import make_post
from tests.content.video_factories import VideoFactory
from tests.moderation.conftest import verified

pytestmark = pytest.mark.django_db


def test_marked_sensitive_is_visible_on_detail_feeds_and_embeds(author, moderator, client_of):
    from content.services.posts import post_repost

    reader = verified(handle="reader")
    follow_create(follower=reader, followee=author)
    post, video = make_post(author, text="graphic #scene"), VideoFactory(owner=author)
    repost = post_repost(user=verified(handle="sharer"), post=post)
    visitor = APIClient()
    assert visitor.get(f"/api/v1/posts/{post.pk}/").json()["sensitive"] is False

    target_act(target_type="post", target_id=post.pk, by=moderator, action="mark_sensitive", reason="Gore")
    target_act(target_type="video", target_id=video.pk, by=moderator, action="mark_sensitive", reason="Gore")

    assert visitor.get(f"/api/v1/posts/{post.pk}/").json()["sensitive"] is True
    assert visitor.get(f"/api/v1/videos/{video.pk}/").json()["sensitive"] is True
    assert visitor.get(f"/api/v1/posts/{repost.pk}/").json()["original"]["sensitive"] is True
    home = client_of(reader).get("/api/v1/feed/home/").json()["results"]
    flags = {item["type"]: item[item["type"]]["sensitive"] for item in home}
    assert flags == {"post": True, "video": True}
    tagged = visitor.get("/api/v1/feed/hashtags/scene/").json()["results"]
    assert [item["post"]["sensitive"] for item in tagged] == [True]
