"""What social adds to the studio home: followers, and comments waiting for a reply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from core.dashboard.home import Attention, Figure, Period
from social.selectors import studio as selectors


def figures(*, user: Any, period: Period) -> list[Figure]:
    start, end = period.bounds()
    previous_start, previous_end = period.bounds(previous=True)
    return [
        Figure(
            key="followers",
            label="New followers",
            current=selectors.new_followers_count(user=user, since=start, until=end),
            previous=selectors.new_followers_count(user=user, since=previous_start, until=previous_end),
            note=f"{selectors.followers_count(user=user)} in all",
        )
    ]


def attention(*, user: Any) -> list[Attention]:
    since = timezone.now() - dt.timedelta(days=28)
    waiting = selectors.comments_awaiting_reply(user=user, since=since).count()
    if not waiting:
        return []
    text = "1 comment is waiting for your reply" if waiting == 1 else f"{waiting} comments are waiting for your reply"
    return [Attention(key="comments", text=text, url=reverse("social_studio:comments"), tone="info", count=waiting)]
