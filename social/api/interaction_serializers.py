"""Serializers of social's API: comments, like and save states, saves."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.profile_serializers import UserReferenceSerializer
from social.selectors.comments import DISPLAY_DEPTH, ViewerContext, comment_state
from social.services.comments import COMMENT_MAX_LENGTH


class CommentSerializer(serializers.Serializer):
    """One comment as a viewer sees it. Needs ``context["viewer"]``, a ``ViewerContext``."""

    id = serializers.UUIDField(read_only=True)
    post_id = serializers.UUIDField(read_only=True, allow_null=True)
    video_id = serializers.UUIDField(read_only=True, allow_null=True)
    parent_id = serializers.UUIDField(read_only=True, allow_null=True)
    root_id = serializers.UUIDField(read_only=True)
    depth = serializers.IntegerField(read_only=True, help_text="True depth: 0 for a top-level comment.")
    display_depth = serializers.SerializerMethodField(
        help_text=f"Where to show it: the depth, at most {DISPLAY_DEPTH}. Deeper replies are shown at "
        f"{DISPLAY_DEPTH}, right after their parent, with `reply_to` naming whom they answer."
    )
    reply_to = serializers.SerializerMethodField(help_text="Handle of the parent comment's author (replies only).")
    state = serializers.SerializerMethodField(
        help_text="`visible`; `deleted`, `removed` (by a moderator) and `hidden` (a block between you and the "
        "author, or the author is suspended) are tombstones without author and text."
    )
    author = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    mentions = serializers.SerializerMethodField()
    likes_count = serializers.IntegerField(read_only=True)
    replies_count = serializers.IntegerField(read_only=True, help_text="Live direct replies.")
    liked = serializers.SerializerMethodField(help_text="Whether you like it.")
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def _viewer_context(self) -> ViewerContext:
        return self.context.get("viewer") or ViewerContext()

    @extend_schema_field(OpenApiTypes.INT)
    def get_display_depth(self, comment) -> int:
        return min(comment.depth, DISPLAY_DEPTH)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_reply_to(self, comment):
        if comment.parent_id is None:
            return None
        return comment.parent.author.handle

    @extend_schema_field({"type": "string", "enum": ["visible", "deleted", "removed", "hidden"]})
    def get_state(self, comment) -> str:
        return comment_state(comment=comment, context=self._viewer_context())

    @extend_schema_field(UserReferenceSerializer(allow_null=True))
    def get_author(self, comment):
        if self.get_state(comment) != "visible":
            return None
        return UserReferenceSerializer(comment.author).data

    @extend_schema_field(OpenApiTypes.STR)
    def get_text(self, comment) -> str:
        return comment.text if self.get_state(comment) == "visible" else ""

    @extend_schema_field(UserReferenceSerializer(many=True))
    def get_mentions(self, comment) -> list:
        if self.get_state(comment) != "visible":
            return []
        return UserReferenceSerializer(comment.mentions.all(), many=True).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_liked(self, comment) -> bool:
        return comment.pk in self._viewer_context().liked_ids


class ThreadSerializer(CommentSerializer):
    """A top-level comment with the first replies of its thread, depth-first."""

    replies = serializers.SerializerMethodField()
    thread_replies_total = serializers.SerializerMethodField(
        help_text="How many replies the thread has at any depth, deleted ones included; more than "
        "`replies` holds when the rest is under `comments/{id}/replies/`."
    )

    @extend_schema_field(CommentSerializer(many=True))
    def get_replies(self, comment) -> list:
        return CommentSerializer(getattr(comment, "thread", []), many=True, context=self.context).data

    @extend_schema_field(OpenApiTypes.INT)
    def get_thread_replies_total(self, comment) -> int:
        thread = getattr(comment, "thread", [])
        return thread[0].thread_total if thread else 0


class SubthreadSerializer(CommentSerializer):
    """One comment with its replies at any depth (up to 100), depth-first."""

    replies = serializers.SerializerMethodField()
    more_replies = serializers.SerializerMethodField(help_text="True when `replies/` has more.")

    @extend_schema_field(CommentSerializer(many=True))
    def get_replies(self, comment) -> list:
        return CommentSerializer(comment.subthread, many=True, context=self.context).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_more_replies(self, comment) -> bool:
        return comment.more_replies


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, help_text=f"Up to {COMMENT_MAX_LENGTH} characters.")
    parent_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Reply to this comment (on the same post or video)."
    )


class ReplyCreateSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, help_text=f"Up to {COMMENT_MAX_LENGTH} characters.")


class CommentEditSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, help_text=f"Up to {COMMENT_MAX_LENGTH} characters.")


class CommentRevisionSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True, help_text="When this text was replaced.")


class CommentSettingsSerializer(serializers.Serializer):
    comments_enabled = serializers.BooleanField()


class LikeStateSerializer(serializers.Serializer):
    liked = serializers.BooleanField(read_only=True)
    likes_count = serializers.IntegerField(read_only=True)


class SaveStateSerializer(serializers.Serializer):
    saved = serializers.BooleanField(read_only=True)


class SavedPostSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    author = UserReferenceSerializer(read_only=True)
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SavedVideoSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    owner = UserReferenceSerializer(read_only=True)
    title = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SaveSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.SerializerMethodField()
    post = SavedPostSerializer(read_only=True, allow_null=True)
    video = SavedVideoSerializer(read_only=True, allow_null=True)
    saved_at = serializers.DateTimeField(source="created_at", read_only=True)

    @extend_schema_field({"type": "string", "enum": ["post", "video"]})
    def get_kind(self, save) -> str:
        return "post" if save.post_id else "video"


class LikerSerializer(serializers.Serializer):
    user = UserReferenceSerializer(read_only=True)
    liked_at = serializers.DateTimeField(source="created_at", read_only=True)
