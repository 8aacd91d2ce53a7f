"""Saves (bookmarks) of posts and videos, private to the user who saved them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class Save(BaseModel):
    """``user`` saved exactly one post or video. Listed newest first (UUIDv7 ``id``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("content.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey("content.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta(BaseModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(post__isnull=False), name="social_save_one_per_post"
            ),
            models.UniqueConstraint(
                fields=["user", "video"], condition=Q(video__isnull=False), name="social_save_one_per_video"
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=False, video__isnull=True) | Q(post__isnull=True, video__isnull=False),
                name="social_save_exactly_one_target",
            ),
        ]
        indexes = [models.Index(fields=["user", "-id"], name="social_save_user_id")]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.post_id or self.video_id}"
