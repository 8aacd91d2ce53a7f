"""Output shapes of the social API (read-only: the API takes no bodies besides path and query)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from content.api.post_serializers import PostSerializer
from content.api.video_serializers import VideoSerializer


class UserSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    handle = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    is_private = serializers.BooleanField(read_only=True)
    followers_count = serializers.IntegerField(read_only=True)
    following_count = serializers.IntegerField(read_only=True)


class FollowStateSerializer(serializers.Serializer):
    """Where you stand towards ``user`` after the action."""

    user = UserSummarySerializer(source="target", read_only=True)
    state = serializers.ChoiceField(choices=["following", "requested", "none"], read_only=True)


class PrivacySerializer(serializers.Serializer):
    """Whether your account is private, and how many people are waiting for your answer."""

    is_private = serializers.BooleanField(read_only=True)
    pending_requests = serializers.IntegerField(read_only=True)


class PrivacyChangedSerializer(serializers.Serializer):
    is_private = serializers.BooleanField(read_only=True)
    approved = serializers.IntegerField(
        read_only=True, help_text="Pending requests approved by this change (making the account public approves them)."
    )


class PrivacyWriteSerializer(serializers.Serializer):
    is_private = serializers.BooleanField()


def _edge(source: str, label: str):
    class Edge(serializers.Serializer):
        user = UserSummarySerializer(source=source, read_only=True)
        since = serializers.DateTimeField(source="created_at", read_only=True)

    Edge.__name__ = label
    Edge.__qualname__ = label
    return Edge


FollowerSerializer = _edge("follower", "FollowerSerializer")
FolloweeSerializer = _edge("followee", "FolloweeSerializer")
FollowRequestSerializer = _edge("requester", "FollowRequestSerializer")
SentFollowRequestSerializer = _edge("target", "SentFollowRequestSerializer")
BlockedUserSerializer = _edge("blocked", "BlockedUserSerializer")
MutedUserSerializer = _edge("muted", "MutedUserSerializer")


def page_of(item: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """A cursor page of ``item`` (``next``/``previous`` are URLs with the cursor)."""
    page = type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True, read_only=True),
            "previous": serializers.URLField(allow_null=True, read_only=True),
            "results": item(many=True, read_only=True),
        },
    )
    return page()


_DATETIME = serializers.DateTimeField()  # stateless once built: formats with the settings' format


class FeedItemSerializer(serializers.Serializer):
    """One feed item: ``type`` says which of ``post`` (a post, repost or quote, as
    ``GET /posts/{id}/`` shows it) and ``video`` (as ``GET /videos/{id}/``) is set; the other
    is null. ``viewer_liked``/``viewer_saved``: whether you liked or saved it (for a repost:
    its original)."""

    type = serializers.ChoiceField(choices=["post", "video"], read_only=True)
    id = serializers.UUIDField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    viewer_liked = serializers.BooleanField(read_only=True)
    viewer_saved = serializers.BooleanField(read_only=True)
    post = serializers.SerializerMethodField()
    video = serializers.SerializerMethodField()

    def to_representation(self, item):
        if type(self) is not FeedItemSerializer:  # a subclass with fields of its own: DRF's generic walk
            return super().to_representation(item)
        # The fields above written out (a page has up to 100 items): DRF's answer, value for value.
        return {
            "type": item.type,
            "id": str(item.id),
            "created_at": _DATETIME.to_representation(item.created_at),
            "viewer_liked": bool(item.viewer_liked),
            "viewer_saved": bool(item.viewer_saved),
            "post": self.get_post(item),
            "video": self.get_video(item),
        }

    @extend_schema_field(PostSerializer(allow_null=True))
    def get_post(self, item):
        return self.context["rendered_posts"].get(item.id) if item.post is not None else None

    @extend_schema_field(VideoSerializer(allow_null=True))
    def get_video(self, item):
        return self.context["rendered_videos"].get(item.id) if item.video is not None else None


def feed_context(*, request, items) -> dict:
    """The serializer context of a feed page: every post and every video of the page rendered
    by one ``many=True`` serializer each (DRF builds a serializer's fields once per instance,
    which per item would cost more than the page's queries)."""
    posts = [item.post for item in items if item.post is not None]
    videos = [item.video for item in items if item.video is not None]
    context = {"request": request}
    rendered_posts = PostSerializer(posts, many=True, context=context).data
    rendered_videos = VideoSerializer(videos, many=True, context=context).data
    return {
        **context,
        "rendered_posts": {post.pk: data for post, data in zip(posts, rendered_posts, strict=True)},
        "rendered_videos": {video.pk: data for video, data in zip(videos, rendered_videos, strict=True)},
    }


class FeedPageSerializer(serializers.Serializer):
    """A page of a feed, newest first. Pass ``next_cursor`` as ``cursor`` for the next page
    (``next`` is that URL); null at the end. New items never shift later pages."""

    next = serializers.URLField(allow_null=True, read_only=True)
    next_cursor = serializers.CharField(allow_null=True, read_only=True)
    results = FeedItemSerializer(many=True, read_only=True)


class SponsoredSlotSerializer(serializers.Serializer):
    """An ad placed after ``position`` items of ``results`` (docs/ads.md): the ads decision's shape."""

    position = serializers.IntegerField(read_only=True, help_text="Show it after this many items of the page.")
    ad = serializers.DictField(read_only=True)
    offer = serializers.CharField(read_only=True)
    view_url = serializers.CharField(read_only=True)
    click_url = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class HomeFeedPageSerializer(FeedPageSerializer):
    """The home page, with its sponsored slots (empty when no ad is served)."""

    sponsored = SponsoredSlotSerializer(many=True, read_only=True)


class TrendingHashtagSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    uses_24h = serializers.IntegerField(read_only=True)
    usual_per_day = serializers.FloatField(read_only=True)
    score = serializers.FloatField(read_only=True)


class SearchResultsSerializer(serializers.Serializer):
    users = UserSummarySerializer(many=True, read_only=True)
    posts = PostSerializer(many=True, read_only=True)
    videos = VideoSerializer(many=True, read_only=True)
