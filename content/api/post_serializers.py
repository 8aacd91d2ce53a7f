"""Shapes of the posts API. Input serializers check shape only; the services check the rules.
Output serializers are read-only and read what the selectors prefetched."""

from __future__ import annotations

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
            "ends_at": serializers.DateTimeField().to_representation(poll.ends_at),
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
    hashtags = serializers.ListField(child=serializers.CharField(), read_only=True)
    mentions = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    poll = serializers.SerializerMethodField()
    counts = PostCountsSerializer(source="*", read_only=True)
    moderation_status = serializers.ChoiceField(choices=Post.ModerationStatus.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(UserReferenceSerializer(many=True))
    def get_mentions(self, post):
        if "@" not in post.text:  # mentions are resolved from "@handle" in the text only
            return []
        mentions = post.mentions.all()
        if not mentions:  # most posts: skip building a list serializer (feeds render many posts)
            return []
        return UserReferenceSerializer(mentions, many=True).data

    @extend_schema_field(PostImageSerializer(many=True))
    def get_images(self, post):
        images = getattr(post, "current_images", None)
        if images is None:
            images = list(post.images.filter(detached_at__isnull=True).order_by("position"))
        if not images:
            return []
        return PostImageSerializer(images, many=True, context=self.context).data

    @extend_schema_field(PollSerializer(allow_null=True))
    def get_poll(self, post):
        try:
            poll = post.poll
        except Post.poll.RelatedObjectDoesNotExist:
            return None
        return PollSerializer(poll, context=self.context).data


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
        return None if original is None else EmbeddedPostSerializer(original, context=self.context).data

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


class PollVoteSerializer(serializers.Serializer):
    options = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=4)
