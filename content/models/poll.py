"""Polls attached to posts: 2 to 4 options, single or multiple choice, an end time.

A user votes once per poll (``PollVote``, unique on ``(poll, user)``); a multiple-choice vote
names several options. Option counts change with ``F()`` in the same transaction as the vote.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from content.models.post import Post
from core.models import BaseModel

POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 4


class Poll(BaseModel):
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="poll")
    multiple_choice = models.BooleanField(default=False)
    ends_at = models.DateTimeField()
    voters_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"poll of {self.post_id}"


class PollOption(BaseModel):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=100)
    votes_count = models.PositiveIntegerField(default=0)

    class Meta(BaseModel.Meta):
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="content_polloption_position"),
            models.CheckConstraint(condition=Q(position__lt=POLL_MAX_OPTIONS), name="content_polloption_at_most_4"),
        ]

    def __str__(self) -> str:
        return self.label


class PollVote(BaseModel):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes")
    option_ids = ArrayField(models.UUIDField())

    class Meta(BaseModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="content_pollvote_one_per_user"),
            models.CheckConstraint(
                condition=Q(option_ids__len__gte=1, option_ids__len__lte=POLL_MAX_OPTIONS),
                name="content_pollvote_option_count",
            ),
        ]

    def __str__(self) -> str:
        return f"vote of {self.user_id} in {self.poll_id}"
