"""Shapes of the posts API. Input serializers check shape only; the services check the rules.
Output serializers are read-only and read what the selectors prefetched."""

from __future__ import annotations

from functools import cached_property

from django.core.files.storage import default_storage
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.profile_serializers import UserReferenceSerializer
from content.models import Hashtag, Post, PostRevision
from content.selectors.posts import can_view


def _absolute_url(context: dict, name: str) -> str:
    url = default_storage.url(name)
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None and url.startswith("/") else url


# --- output --------------------------------------------------------------------------------------
#
# Feeds render 20 to 100 posts a page, and DRF's generic rendering was most of a page's time: a
# nested serializer built per post (``Serializer(obj).data``) deep-copies its declared fields each
# time, and the walk over ~17 fields per post costs a few calls per field. So the post serializers
# build their nested serializers once per instance (``cached_property``; a serializer declared as
# a field is re-created, not copied, per parent, so nothing outlives a request) and write their
# declared fields out in ``to_representation``: the same output (held to DRF's generic walk by
# tests/content/test_posts_serializer_shape.py); the declared fields still make the schema.

_DATETIME = serializers.DateTimeField()  # stateless once built: formats with the settings' format
_BOOLEAN = serializers.BooleanField()


def _datetime(value):
    return None if value is None else _DATETIME.to_representation(value)


def _str(value):
    return None if value is None else str(value)


def _int(value):
    return None if value is None else int(value)


def _choice(value):
    # ChoiceField's answer for a stored choice: the choice's value as a plain string.
    return None if value is None else str(value)


def _author(user) -> dict:
    return {"id": str(user.id), "handle": str(user.handle), "display_name": str(user.display_name)}


class PostImageSerializer(serializers.Serializer):
    full_url = serializers.SerializerMethodField(help_text="Up to 2048 px on the longer side, WebP.")
    feed_url = serializers.SerializerMethodField(help_text="Up to 1080 px on the longer side, WebP.")
    width = serializers.IntegerField(read_only=True, help_text="Of the full-size image.")
    height = serializers.IntegerField(read_only=True)
    alt_text = serializers.CharField(read_only=True)

    def _name(self, obj, attr: str) -> str:
        value = obj[attr] if isinstance(obj, dict) else getattr(obj, attr).name
        return value

    def get_full_url(self, obj) -> str:
        return _absolute_url(self.context, self._name(obj, "full"))

    def get_feed_url(self, obj) -> str:
        return _absolute_url(self.context, self._name(obj, "feed"))


class PollOptionSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    label = serializers.CharField(read_only=True)
    votes_count = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null until you have voted or the poll has ended."
    )


class PollSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    multiple_choice = serializers.BooleanField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    ended = serializers.BooleanField(read_only=True)
    results_visible = serializers.BooleanField(read_only=True)
    voters_count = serializers.IntegerField(read_only=True, allow_null=True)
    own_vote = serializers.ListField(child=serializers.UUIDField(), read_only=True, allow_null=True)
    options = PollOptionSerializer(many=True, read_only=True)

    def to_representation(self, poll):
        votes = getattr(poll, "viewer_votes", None)
        if votes is None:
            user = self.context.get("request").user if self.context.get("request") else None
            votes = list(poll.votes.filter(user=user)) if user is not None and user.is_authenticated else []
        own = votes[0].option_ids if votes else None
        ended = timezone.now() >= poll.ends_at
        visible = ended or own is not None
        return {
            "id": str(poll.id),
            "multiple_choice": poll.multiple_choice,
            "ends_at": _DATETIME.to_representation(poll.ends_at),
            "ended": ended,
            "results_visible": visible,
            "voters_count": poll.voters_count if visible else None,
            "own_vote": [str(option_id) for option_id in own] if own is not None else None,
            "options": [
                {"id": str(option.id), "label": option.label, "votes_count": option.votes_count if visible else None}
                for option in poll.options.all()
            ],
        }


class PostCountsSerializer(serializers.Serializer):
    likes = serializers.IntegerField(source="likes_count", read_only=True)
    comments = serializers.IntegerField(source="comments_count", read_only=True)
    reposts = serializers.IntegerField(source="reposts_count", read_only=True)
    quotes = serializers.IntegerField(source="quotes_count", read_only=True)


class EmbeddedPostSerializer(serializers.Serializer):
    """A post as it appears inside a repost or a quote (no further embedding)."""

    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=Post.Kind.choices, read_only=True)
    author = UserReferenceSerializer(read_only=True)
    text = serializers.CharField(read_only=True)
    visibility = serializers.ChoiceField(choices=Post.Visibility.choices, read_only=True)
    content_warning = serializers.CharField(read_only=True)
    sensitive = serializers.BooleanField(read_only=True)
    minimum_tier = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Members-only: the lowest tier position that may read it, or null."
    )
    hashtags = serializers.ListField(child=serializers.CharField(), read_only=True)
    mentions = serializers.SerializerMethodField(help_text="The users mentioned in the text, ordered by handle.")
    images = serializers.SerializerMethodField()
    poll = serializers.SerializerMethodField()
    counts = PostCountsSerializer(source="*", read_only=True)
    moderation_status = serializers.ChoiceField(choices=Post.ModerationStatus.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, post):
        if type(self) not in _FAST_SHAPES:  # a subclass with fields of its own: DRF's generic walk
            return super().to_representation(post)
        # The fields above, written out: what DRF's walk over them answers, value for value
        # (str for ids and text, the choice's value, ``int`` counts, DateTimeField's format),
        # in their order, at a fraction of its per-field cost.
        author = post.author
        data = {
            "id": str(post.id),
            "kind": _choice(post.kind),
            "author": None if author is None else _author(author),
            "text": _str(post.text),
            "visibility": _choice(post.visibility),
            "content_warning": _str(post.content_warning),
            "sensitive": _BOOLEAN.to_representation(post.sensitive),
            "minimum_tier": post.minimum_tier,
            "hashtags": None if post.hashtags is None else [_str(tag) for tag in post.hashtags],
            "mentions": self.get_mentions(post),
            "images": self.get_images(post),
            "poll": self.get_poll(post),
            "counts": {
                "likes": _int(post.likes_count),
                "comments": _int(post.comments_count),
                "reposts": _int(post.reposts_count),
                "quotes": _int(post.quotes_count),
            },
            "moderation_status": _choice(post.moderation_status),
            "created_at": _datetime(post.created_at),
            "edited_at": _datetime(post.edited_at),
        }
        if type(self) is PostSerializer:
            data["original"] = self.get_original(post)
            data["original_gone"] = self.get_original_gone(post)
        return data

    @extend_schema_field(UserReferenceSerializer(many=True))
    def get_mentions(self, post):
        if "@" not in post.text:  # mentions are resolved from "@handle" in the text only
            return []
        mentions = post.mentions.all()
        if not mentions:  # most posts: skip building a list serializer (feeds render many posts)
            return []
        # By handle: one order whichever way the mentions were read (prefetch, feed columns).
        return [_author(user) for user in sorted(mentions, key=lambda user: user.handle.lower())]

    @cached_property
    def _image_serializer(self) -> PostImageSerializer:
        return PostImageSerializer(context=self.context)

    @cached_property
    def _poll_serializer(self) -> PollSerializer:
        return PollSerializer(context=self.context)

    @extend_schema_field(PostImageSerializer(many=True))
    def get_images(self, post):
        images = getattr(post, "current_images", None)
        if images is None:
            images = list(post.images.filter(detached_at__isnull=True).order_by("position"))
        if not images:
            return []
        return [self._image_serializer.to_representation(image) for image in images]

    @extend_schema_field(PollSerializer(allow_null=True))
    def get_poll(self, post):
        try:
            poll = post.poll
        except Post.poll.RelatedObjectDoesNotExist:
            return None
        return self._poll_serializer.to_representation(poll)


class PostSerializer(EmbeddedPostSerializer):
    """A post, a repost or a quote. ``original`` is the reposted or quoted post, or null with
    ``original_gone`` true when it was deleted, removed, or cannot be seen by you."""

    original = serializers.SerializerMethodField()
    original_gone = serializers.SerializerMethodField()

    def _original_visible(self, post):
        if post.kind == Post.Kind.POST:
            return None
        request = self.context.get("request")
        user = request.user if request is not None else None
        original = post.original
        if original is None or not can_view(post=original, user=user):
            return None
        return original

    @extend_schema_field(EmbeddedPostSerializer(allow_null=True))
    def get_original(self, post):
        original = self._original_visible(post)
        return None if original is None else self._embedded_serializer.to_representation(original)

    @cached_property
    def _embedded_serializer(self) -> EmbeddedPostSerializer:
        return EmbeddedPostSerializer(context=self.context)

    def get_original_gone(self, post) -> bool:
        return post.kind != Post.Kind.POST and self._original_visible(post) is None


class PostRevisionSerializer(serializers.ModelSerializer):
    images = PostImageSerializer(many=True, read_only=True)

    class Meta:
        model = PostRevision
        fields = ["number", "text", "content_warning", "images", "created_at"]
        read_only_fields = fields


class HashtagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hashtag
        fields = ["name", "usage_count"]
        read_only_fields = fields


# --- input ---------------------------------------------------------------------------------------


class PostWriteSerializer(serializers.Serializer):
    """JSON, or multipart when images are attached (``images`` repeated, ``alt_texts`` in the same order)."""

    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    content_warning = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    sensitive = serializers.BooleanField(required=False, default=False)
    images = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=4)
    alt_texts = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=1500), required=False, default=list, max_length=4
    )

    def validate(self, attrs):
        if len(attrs.get("alt_texts", [])) > len(attrs.get("images", [])):
            raise serializers.ValidationError({"alt_texts": "One alt text per image, at most."}, code="alt_texts_count")
        return attrs


class PostCreateSerializer(PostWriteSerializer):
    visibility = serializers.ChoiceField(choices=Post.Visibility.choices, required=False, default="public")
    minimum_tier = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True, default=None,
        help_text="Members-only: the lowest of your tier positions whose members may read it (null: no gate).",
    )  # fmt: skip
    poll_options = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=4
    )
    poll_multiple_choice = serializers.BooleanField(required=False, default=False)
    poll_ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["poll_options"] and attrs["poll_ends_at"] is None:
            raise serializers.ValidationError({"poll_ends_at": "A poll needs an end time."}, code="required")
        if attrs["poll_ends_at"] is not None and not attrs["poll_options"]:
            raise serializers.ValidationError({"poll_options": "A poll needs options."}, code="required")
        return attrs


class QuoteCreateSerializer(PostWriteSerializer):
    text = serializers.CharField(allow_blank=False, trim_whitespace=False)


class PostEditSerializer(serializers.Serializer):
    """Every field is optional; what is left out stays as it is. ``images`` replaces the images;
    ``remove_images`` true removes them."""

    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    content_warning = serializers.CharField(required=False, allow_blank=True, max_length=200)
    sensitive = serializers.BooleanField(required=False, allow_null=True, default=None)
    images = serializers.ListField(child=serializers.FileField(), required=False, max_length=4)
    alt_texts = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=1500), required=False, default=list, max_length=4
    )
    remove_images = serializers.BooleanField(required=False, default=False)
    minimum_tier = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True,
        help_text=(
            "Members-only: the position of one of your tiers (not archived) whose members and those above may "
            "read it; null opens it to everyone. Changeable at any time (no edit window, no revision)."
        ),
    )  # fmt: skip


class PollVoteSerializer(serializers.Serializer):
    options = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=4)


_FAST_SHAPES = (EmbeddedPostSerializer, PostSerializer)
