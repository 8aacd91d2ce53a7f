"""Likes on posts, videos and comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class Like(BaseModel):
    """``user`` likes exactly one target: a post, a video or a comment.

    One like per user per target is enforced by a partial unique constraint per target kind;
    a check constraint says exactly one target is set. Unliking deletes the row, so liking
    again is a fresh like.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("content.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey("content.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey("social.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta(BaseModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(post__isnull=False), name="social_like_one_per_post"
            ),
            models.UniqueConstraint(
                fields=["user", "video"], condition=Q(video__isnull=False), name="social_like_one_per_video"
            ),
            models.UniqueConstraint(
                fields=["user", "comment"], condition=Q(comment__isnull=False), name="social_like_one_per_comment"
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=False, video__isnull=True, comment__isnull=True)
                | Q(post__isnull=True, video__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, video__isnull=True, comment__isnull=False),
                name="social_like_exactly_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id or self.video_id or self.comment_id}"
