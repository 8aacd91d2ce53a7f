"""The social graph: who follows, asks to follow, blocks and mutes whom.

Every relation is one row per ordered pair (a database unique constraint) and never points a
user at themselves (a check constraint). Rows are deleted for good when the relation ends:
the graph is current state, not history (moderators investigate through the admin's lookups
and the accounts app's audit trail). Writes go through ``social.services`` only, which keep
``User.followers_count``/``following_count`` exact with ``F()`` in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import BaseModel


def _pair_constraints(prefix: str, a: str, b: str) -> list:
    return [
        models.UniqueConstraint(fields=[a, b], name=f"social_{prefix}_unique_pair"),
        models.CheckConstraint(condition=~Q(**{a: F(b)}), name=f"social_{prefix}_not_self"),
    ]


class Follow(BaseModel):
    """``follower`` follows ``followee``. Home feeds read followees through (follower, followee)."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_rows")
    followee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_rows")

    class Meta(BaseModel.Meta):
        constraints = _pair_constraints("follow", "follower", "followee")
        indexes = [
            # Followers of a user, newest first (the unique constraint covers (follower, followee)).
            models.Index(fields=["followee", "-id"], name="social_follow_followee_id"),
            models.Index(fields=["follower", "-id"], name="social_follow_follower_id"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class FollowRequest(BaseModel):
    """A pending request to follow a private account; approving it creates a :class:`Follow`
    and deletes the request, rejecting it deletes the request."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta(BaseModel.Meta):
        constraints = _pair_constraints("followrequest", "requester", "target")
        indexes = [models.Index(fields=["target", "-id"], name="social_followreq_target_id")]

    def __str__(self) -> str:
        return f"{self.requester_id} asks to follow {self.target_id}"


class Block(BaseModel):
    """``blocker`` blocks ``blocked``: follows both ways end, and the blocked user can no longer
    follow, comment on, like, mention, quote or view the blocker's content."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta(BaseModel.Meta):
        constraints = _pair_constraints("block", "blocker", "blocked")
        indexes = [models.Index(fields=["blocked", "blocker"], name="social_block_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(BaseModel):
    """``muter`` mutes ``muted``: hidden from the muter's feeds and notifications. The muted
    user is never told and nothing else changes for them."""

    muter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta(BaseModel.Meta):
        constraints = _pair_constraints("mute", "muter", "muted")

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"
