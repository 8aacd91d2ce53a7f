"""Advertisers, campaigns and their ads (docs/ads.md).

Campaign status, changed only by ``ads.services.campaigns``::

    draft -> in_review -> active <-> paused -> completed
                       -> rejected (with a reason) -> in_review (after an edit)
    active/paused -> completed   (budget spent, advertiser's balance gone, end reached, or by hand)
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from core.models import BaseModel


class Advertiser(BaseModel):
    """The advertiser side of an account: its time zone (schedules) and currency (budgets, bids)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advertiser")
    name = models.CharField(max_length=120)
    timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="usd")

    def __str__(self) -> str:
        return self.name


class Campaign(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected"

    class Objective(models.TextChoices):
        AWARENESS = "awareness", "Awareness"
        TRAFFIC = "traffic", "Traffic"
        CONVERSIONS = "conversions", "Conversions"

    class BidModel(models.TextChoices):
        CPM = "cpm", "Cost per 1,000 viewable impressions"
        CPC = "cpc", "Cost per click"

    class Pacing(models.TextChoices):
        EVEN = "even", "Even through the day"
        FAST = "fast", "As fast as possible"

    advertiser = models.ForeignKey(Advertiser, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=120)
    objective = models.CharField(max_length=16, choices=Objective.choices, default=Objective.AWARENESS)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.TextField(blank=True)
    currency = models.CharField(max_length=3, default="usd")
    budget_total = models.BigIntegerField(help_text="Minor units.")
    budget_daily = models.BigIntegerField(null=True, blank=True, help_text="Minor units; none: no daily cap.")
    bid_model = models.CharField(max_length=3, choices=BidModel.choices, default=BidModel.CPM)
    bid_amount = models.BigIntegerField(
        help_text="Minor units per 1,000 viewable impressions (CPM) or per click (CPC)."
    )
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(), default=list, blank=True, help_text="0=Monday; empty: all."
    )
    hours = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True, help_text="0-23; empty: all.")
    pacing = models.CharField(max_length=4, choices=Pacing.choices, default=Pacing.EVEN)
    frequency_cap_day = models.PositiveIntegerField(null=True, blank=True)
    frequency_cap_total = models.PositiveIntegerField(null=True, blank=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    regions = ArrayField(models.CharField(max_length=6), default=list, blank=True, help_text="ISO 3166-2.")
    languages = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    devices = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    genders = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    interests = ArrayField(models.CharField(max_length=100), default=list, blank=True, help_text="Hashtags.")
    placements = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    # Money actually charged (ledger), in minor units, and the exact micro-unit total behind it.
    spent = models.BigIntegerField(default=0)
    spent_micros = models.BigIntegerField(default=0)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    completed_reason = models.CharField(max_length=32, blank=True)
    paused_by = models.CharField(max_length=64, blank=True, help_text="The moderation action that paused it.")

    class Meta(BaseModel.Meta):
        permissions = [("review_campaigns", "Approve or reject ad campaigns")]
        constraints = [
            models.CheckConstraint(condition=models.Q(spent__gte=0), name="ads_campaign_spent_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "in_review", "active", "paused", "completed", "rejected"]),
                name="ads_campaign_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Ad(BaseModel):
    class Format(models.TextChoices):
        VIDEO = "video", "Video (pre-roll)"
        IMAGE = "image", "Image (feed card)"
        TEXT = "text", "Text (sponsored line)"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ads")
    name = models.CharField(max_length=120, blank=True)
    format = models.CharField(max_length=5, choices=Format.choices)
    headline = models.CharField(max_length=90)
    body = models.CharField(max_length=280, blank=True)
    image = models.CharField(max_length=200, blank=True, help_text="Path of the WebP under MEDIA_ROOT.")
    video = models.ForeignKey("content.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    skippable_after = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Seconds (video).")
    destination_url = models.URLField(max_length=2000)
    call_to_action = models.CharField(max_length=30, default="Learn more")
    weight = models.PositiveSmallIntegerField(default=1, help_text="A/B split: share of the campaign's traffic.")
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name or self.headline

    @property
    def image_url(self) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(self.image) if self.image else ""


class AdConversion(BaseModel):
    """A conversion postback for one click (at most one per click)."""

    click_id = models.UUIDField(unique=True)
    click_created_at = models.DateTimeField()
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="+")
    value = models.BigIntegerField(default=0, help_text="Minor units, as the advertiser reported it.")
    country = models.CharField(max_length=2, blank=True)
    placement = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"conversion {self.click_id}"


class ViewerAdProfile(BaseModel):
    """What a viewer chose to share for ad targeting (never inferred): birth year, gender, interests."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ad_profile")
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=16, blank=True)
    interests = ArrayField(models.CharField(max_length=100), default=list, blank=True)

    def __str__(self) -> str:
        return f"ad profile of {self.user_id}"


class AdvertiserBlock(BaseModel):
    """A viewer does not want this advertiser's ads."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    advertiser = models.ForeignKey(Advertiser, on_delete=models.CASCADE, related_name="+")

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["user", "advertiser"], name="ads_advertiserblock_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} blocks {self.advertiser_id}"
