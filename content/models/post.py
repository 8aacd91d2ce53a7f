"""Posts: text with images, hashtags, mentions and polls; reposts and quotes; their edit history.

Moderation status transitions (written once, in ``content.services.posts.post_moderate``)::

    visible -> limited | removed
    limited -> visible | removed
    removed -> visible | limited     (a moderator restores a post)

``limited`` posts stay readable by whoever could read them, but are left out of search and
hashtag listings. ``removed`` posts are readable by their author only; reposts and quotes of
them show the original as gone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q

from core.models import BaseModel, SoftDeleteModel

# Text search configuration of the stored tsvector: no stemming, no stop words, so that posts in
# any language are found by their words.
SEARCH_CONFIG = "simple"


class Post(SoftDeleteModel):
    class Kind(models.TextChoices):
        POST = "post", "Post"
        REPOST = "repost", "Repost"
        QUOTE = "quote", "Quote"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        FOLLOWERS = "followers", "Followers only"
        MENTIONED = "mentioned", "Mentioned users only"

    class ModerationStatus(models.TextChoices):
        VISIBLE = "visible", "Visible"
        LIMITED = "limited", "Limited"
        REMOVED = "removed", "Removed"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.POST)
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived_posts")
    text = models.TextField(blank=True, default="")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    content_warning = models.CharField(max_length=200, blank=True, default="")
    sensitive = models.BooleanField(default=False, help_text="The images are sensitive media.")
    # Members-only: null for everyone the visibility admits; else a tier position of the author's
    # tiers, and only members at that tier or above (the author and moderators too) may read it.
    minimum_tier = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Members-only: the lowest tier position that may read the post."
    )

    moderation_status = models.CharField(
        max_length=10, choices=ModerationStatus.choices, default=ModerationStatus.VISIBLE
    )
    moderation_reason = models.TextField(blank=True, default="")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    hashtags = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_posts")

    likes_count = models.PositiveIntegerField(default=0)
    comments_count = models.PositiveIntegerField(default=0)
    reposts_count = models.PositiveIntegerField(default=0)
    quotes_count = models.PositiveIntegerField(default=0)
    saves_count = models.PositiveIntegerField(default=0)
    comments_enabled = models.BooleanField(default=True, help_text="The author may turn comments off.")

    edited_at = models.DateTimeField(null=True, blank=True)
    # NULL, not "": posts created without a key must not collide in the unique constraint.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)  # noqa: DJ001
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta(SoftDeleteModel.Meta):
        ordering = ["-id"]
        permissions = [("moderate_posts", "Can limit, remove and restore posts")]
        indexes = [
            GinIndex(fields=["hashtags"], name="content_post_hashtags_gin"),
            GinIndex(fields=["search_vector"], name="content_post_search_gin"),
            models.Index(fields=["author", "-id"], name="content_post_author_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "original"],
                condition=Q(kind="repost", deleted_at__isnull=True),
                name="content_post_one_repost_per_user",
            ),
            models.UniqueConstraint(fields=["author", "idempotency_key"], name="content_post_idempotency_key"),
            models.CheckConstraint(
                condition=Q(kind="post", original__isnull=True)
                | Q(kind="quote", original__isnull=False)
                # A repost's original may be purged later (SET NULL); it never has text.
                | Q(kind="repost", text=""),
                name="content_post_kind_shape",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "followers", "mentioned"]), name="content_post_visibility"
            ),
            models.CheckConstraint(
                condition=Q(moderation_status__in=["visible", "limited", "removed"]),
                name="content_post_moderation_status",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.REPOST:
            return f"@{self.author.handle} reposted {self.original_id}"
        return f"@{self.author.handle}: {self.text[:40]}"


def post_image_path(instance: PostImage, filename: str) -> str:
    return f"posts/{instance.post_id}/{filename}"


class PostImage(BaseModel):
    """One image of a post, re-encoded in two sizes. Rows are never changed: an edit that
    changes the images detaches the old rows (``detached_at``) and adds new ones, so that the
    revisions that show them keep working."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    full = models.FileField(upload_to=post_image_path, max_length=200)
    feed = models.FileField(upload_to=post_image_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt_text = models.CharField(max_length=1500, blank=True, default="")
    detached_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "position"],
                condition=Q(detached_at__isnull=True),
                name="content_postimage_one_per_position",
            ),
            models.CheckConstraint(condition=Q(position__lt=4), name="content_postimage_at_most_four"),
        ]

    def __str__(self) -> str:
        return f"image {self.position + 1} of {self.post_id}"


class PostRevision(BaseModel):
    """One version of a post: number 1 is the post as created, each edit adds the next.

    ``images`` is ``[{"full": name, "feed": name, "width": w, "height": h, "alt_text": str}]``
    with storage names, as they were in that version.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True, default="")
    content_warning = models.CharField(max_length=200, blank=True, default="")
    images = models.JSONField(default=list, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(BaseModel.Meta):
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="content_postrevision_number")]

    def __str__(self) -> str:
        return f"revision {self.number} of {self.post_id}"
