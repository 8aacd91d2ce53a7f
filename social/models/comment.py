"""Comments on posts and videos, threaded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel, SoftDeleteModel


class Comment(SoftDeleteModel):
    """A comment on exactly one post or video, or a reply to another comment on the same target.

    Threads: ``root`` is the top-level comment of the thread (itself for a top-level comment,
    set by the service after insert: NULL only inside that transaction) and ``path`` is the
    chain of ancestor ids from the root down to this comment, each as 32 hex characters joined
    by ``.``; ordering a thread by ``path`` gives depth-first order, and a whole thread is one
    query on ``root``. ``depth`` is 0 for a top-level comment. Depth is unlimited in data; the
    API flattens below its display depth.

    Soft delete by the author (or the content's owner) keeps the row so replies keep their
    place; a deleted comment shows as deleted. Moderators set ``moderation_status``.
    """

    class ModerationStatus(models.TextChoices):
        VISIBLE = "visible", "Visible"
        REMOVED = "removed", "Removed"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("content.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey("content.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    path = models.TextField(default="", blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    likes_count = models.PositiveIntegerField(default=0)
    replies_count = models.PositiveIntegerField(default=0)
    edited_at = models.DateTimeField(null=True, blank=True)

    moderation_status = models.CharField(
        max_length=10, choices=ModerationStatus.choices, default=ModerationStatus.VISIBLE
    )
    moderation_reason = models.TextField(blank=True, default="")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta(SoftDeleteModel.Meta):
        ordering = ["-id"]
        permissions = [("moderate_comments", "Can remove and restore comments")]
        indexes = [
            models.Index(fields=["post", "depth", "-id"], name="social_comment_post_top"),
            models.Index(fields=["video", "depth", "-id"], name="social_comment_video_top"),
            models.Index(fields=["root", "path"], name="social_comment_thread"),
            models.Index(fields=["author", "-id"], name="social_comment_author"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, video__isnull=True) | Q(post__isnull=True, video__isnull=False),
                name="social_comment_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=Q(moderation_status__in=["visible", "removed"]), name="social_comment_moderation_status"
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} by {self.author_id}"

    @property
    def title(self) -> str:
        """How notifications name the comment ("replied to {title}")."""
        return f"a comment: {self.text[:60]}" if self.text else "a comment"


class CommentRevision(BaseModel):
    """The text a comment had before an edit."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
