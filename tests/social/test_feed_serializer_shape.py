"""Feed items are written out by hand (a page has up to 100); held here to what DRF's generic walk
over the same declared fields answers."""

import pytest
from django.test import RequestFactory

from social.api.serializers import FeedItemSerializer, feed_context
from social.selectors.feeds import FeedItem
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db


class GenericFeedItemSerializer(FeedItemSerializer):
    """Same fields, DRF's generic walk (a subclass is not written out)."""


def test_written_out_feed_item_matches_drf_generic_walk():
    viewer = VerifiedUserFactory()
    post = make_post(viewer, text="mine")
    video = VideoFactory(owner=viewer)
    items = [
        FeedItem("video", video.pk, video.created_at, video=video, viewer_liked=True, viewer_saved=False),
        FeedItem("post", post.pk, post.created_at, post=post, viewer_liked=False, viewer_saved=True),
    ]
    request = RequestFactory().get("/api/v1/feed/home/")
    request.user = viewer
    context = feed_context(request=request, items=items)

    fast = FeedItemSerializer(items, many=True, context=context).data
    generic = GenericFeedItemSerializer(items, many=True, context=context).data

    assert [dict(item) for item in fast] == [dict(item) for item in generic]
    assert fast[0]["video"]["id"] == str(video.pk)
    assert fast[0]["post"] is None
    assert fast[1]["post"]["id"] == str(post.pk)
    assert fast[1]["video"] is None
