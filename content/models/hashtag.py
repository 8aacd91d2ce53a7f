"""Hashtags: one row per case-folded tag, with how many live posts use it."""

from __future__ import annotations

from django.db import models

from core.models import BaseModel


class Hashtag(BaseModel):
    """A hashtag (``name`` is case-folded and NFKC-normalised, without the ``#``).

    ``usage_count`` counts the live posts that carry the tag; services change it with ``F()``
    only. ``blocked_from_trending`` is set by moderators: the tag still works in posts but is
    left out of discovery (prefix lookup, trending).
    """

    name = models.CharField(max_length=100, unique=True)
    usage_count = models.PositiveIntegerField(default=0)
    blocked_from_trending = models.BooleanField(default=False)

    class Meta(BaseModel.Meta):
        ordering = ["-usage_count", "name"]
        indexes = [
            # Prefix lookups (``name LIKE 'dj%'``) use this one.
            models.Index(fields=["name"], name="content_hashtag_name_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.name}"


class HashtagItem(models.Model):
    """Which posts and videos carry each tag, by id: what the hashtag feed reads as an index
    range (``tag``, ``kind``, newest ``item_id`` first) instead of searching every post's and
    video's tags for one it cannot estimate.

    Kept by database triggers on ``content_post.hashtags`` and ``content_video.tags`` (insert,
    delete, truncate, and updates that change the tags: migration 0007), so every writer keeps it
    exact, in the same transaction. It mirrors the arrays only: whether an item may be seen
    (deleted, removed, private, blocked...) is tested on the item's own row when a page is read.
    """

    pk = models.CompositePrimaryKey("tag", "kind", "item_id")
    tag = models.CharField(max_length=100)
    kind = models.CharField(max_length=5)  # "post" | "video"
    item_id = models.UUIDField()

    def __str__(self) -> str:
        return f"#{self.tag} {self.kind} {self.item_id}"
