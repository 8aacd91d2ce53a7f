"""The post serializers write their fields out by hand (feeds render many posts; DRF's generic
walk over the fields cost more than the page's queries). These tests hold the hand-written
shape to what DRF's walk over the same declared fields answers, value for value."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from content.api.post_serializers import EmbeddedPostSerializer, PostSerializer
from content.models import Poll, Post, PostImage
from content.services import posts as services
from tests.content.post_factories import VerifiedUserFactory, make_poll_post, make_post

pytestmark = pytest.mark.django_db


class GenericPostSerializer(PostSerializer):
    """Same fields, DRF's generic walk (a subclass is not written out)."""


class GenericEmbeddedPostSerializer(EmbeddedPostSerializer):
    pass


def _context(user):
    request = RequestFactory().get("/api/v1/feed/home/")
    request.user = user
    return {"request": request}


def _posts(viewer):
    ana = VerifiedUserFactory(handle="ana", display_name="Ana Lima")
    bob = VerifiedUserFactory(handle="bob", display_name="")
    plain = make_post(ana, text="plain #Art #inktober")
    mentioning = make_post(ana, text="hello @bob and @viewer", content_warning="spoilers", sensitive=True)
    followers = make_post(ana, text="for followers", visibility=Post.Visibility.FOLLOWERS)
    with_images = make_post(bob, text="pictures")
    for position in range(3):
        PostImage.objects.create(
            post=with_images, position=position, full=f"posts/x/{position}-full.webp",
            feed=f"posts/x/{position}-feed.webp", width=2048, height=1536, alt_text=f"alt {position}",
        )  # fmt: skip
    poll = make_poll_post(bob)
    ended = make_poll_post(ana)
    Poll.objects.filter(post=ended).update(ends_at=timezone.now() - dt.timedelta(hours=1))
    repost = services.post_repost(user=bob, post=with_images)
    quote, _ = services.post_quote(user=ana, post=poll, content=services.PostContent(text="quoted @bob"))
    edited = make_post(bob, text="before")
    Post.objects.filter(pk=edited.pk).update(edited_at=timezone.now(), likes_count=3, comments_count=2)
    gone = make_post(bob, text="soon deleted")
    repost_of_gone = services.post_repost(user=ana, post=gone)
    Post.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    pks = [
        p.pk for p in (plain, mentioning, followers, with_images, poll, ended, repost, quote, edited, repost_of_gone)
    ]
    related = ("author", "poll", "original", "original__author", "original__poll")
    by_pk = Post.objects.select_related(*related).in_bulk(pks)
    return [by_pk[pk] for pk in pks]


@pytest.mark.parametrize("signed_in", [True, False])
def test_written_out_post_shape_matches_drf_generic_walk(signed_in):
    viewer = VerifiedUserFactory(handle="viewer")
    posts = _posts(viewer)
    user = viewer if signed_in else None
    context = _context(user if user is not None else type("Anon", (), {"is_authenticated": False})())

    fast = PostSerializer(posts, many=True, context=context).data
    generic = GenericPostSerializer(posts, many=True, context=context).data

    assert [dict(item) for item in fast] == [dict(item) for item in generic]
    for post, item in zip(posts, fast, strict=True):
        if item["original"] is not None:
            embedded = GenericEmbeddedPostSerializer(post.original, context=context).data
            assert item["original"] == dict(embedded)
    assert any(item["images"] for item in fast)
    assert any(item["poll"] for item in fast)
    assert any(item["mentions"] for item in fast)
    assert any(item["original_gone"] for item in fast)
    assert any(item["edited_at"] for item in fast)
