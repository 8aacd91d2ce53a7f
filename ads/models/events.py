"""The event side of ads: the buffer beacons write to, the partitioned event tables the writer
fills with COPY, and the small per-batch rows that rollups and spend read (docs/ads.md).

Nothing here is updated per event: beacons insert into :class:`AdEventBuffer`; the writer
(``ads.services.writer``) moves a batch at a time, in one transaction, into :class:`AdImpression`
and :class:`AdClick` (partitioned by day) and adds one :class:`AdSpendItem` per campaign and
creator and one :class:`AdFillCount` per placement for the batch. Spend posting marks an
AdSpendItem posted (one UPDATE per batch item, not per event).
"""

from __future__ import annotations

from django.db import models

from core.models import BaseModel, PartitionedModel


class AdEventBuffer(models.Model):
    """One raw event waiting for the writer: a view or click beacon, or a decision's outcome."""

    class Kind(models.TextChoices):
        VIEW = "view", "View"
        CLICK = "click", "Click"
        DECISION = "decision", "Decision"

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    payload = models.JSONField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class _AdEvent(PartitionedModel):
    offer_id = models.UUIDField()
    campaign_id = models.UUIDField()
    ad_id = models.UUIDField()
    advertiser_id = models.UUIDField()
    creator_id = models.UUIDField(null=True, blank=True, help_text="Whose video or stream the ad ran on.")
    viewer_key = models.CharField(max_length=80)
    user_id = models.UUIDField(null=True, blank=True)
    placement = models.CharField(max_length=16)
    country = models.CharField(max_length=2, blank=True)
    device = models.CharField(max_length=8, blank=True)
    os = models.CharField(max_length=40, blank=True)
    browser = models.CharField(max_length=40, blank=True)
    ip = models.CharField(max_length=45, blank=True, help_text="Anonymised: /24 (IPv4) or /48 (IPv6).")
    billable = models.BooleanField(default=False)
    invalid_reason = models.CharField(max_length=24, blank=True)
    cost_micros = models.BigIntegerField(default=0, help_text="Millionths of a minor unit charged for it.")
    batch_id = models.UUIDField(help_text="The writer batch that wrote it.")
    event_at = models.DateTimeField(help_text="When the beacon arrived.")

    class Meta(PartitionedModel.Meta):
        abstract = True


class AdImpression(_AdEvent):
    """A view beacon; billable when viewable (50% for 1 s, 2 s for video) and valid, once per offer."""

    visible_ratio = models.FloatField(default=0)
    visible_ms = models.PositiveIntegerField(default=0)
    viewable = models.BooleanField(default=False)

    class Meta(_AdEvent.Meta):
        indexes = [
            models.Index(fields=["offer_id"], name="ads_impression_offer"),
            models.Index(fields=["viewer_key", "campaign_id", "created_at"], name="ads_impression_viewer"),
            models.Index(fields=["ip", "created_at"], name="ads_impression_ip"),
        ]


class AdClick(_AdEvent):
    """A click through the redirect; billable (CPC) when valid and after a viewable impression."""

    class Meta(_AdEvent.Meta):
        indexes = [
            models.Index(fields=["offer_id"], name="ads_click_offer"),
            models.Index(fields=["ip", "created_at"], name="ads_click_ip"),
            # The writer's rate limit per viewer (ads.services.writer._LOOKUPS) reads by it.
            models.Index(fields=["viewer_key", "created_at"], name="ads_click_viewer"),
        ]


class AdSpendItem(BaseModel):
    """What one writer batch owes for one campaign on one creator's content (or none)."""

    batch_id = models.UUIDField()
    campaign = models.ForeignKey("ads.Campaign", on_delete=models.CASCADE, related_name="spend_items")
    creator_id = models.UUIDField(null=True, blank=True)
    day = models.DateField()
    micros = models.BigIntegerField()
    posted_at = models.DateTimeField(null=True, blank=True)
    charged = models.BigIntegerField(default=0, help_text="Minor units actually posted to the ledger.")
    creator_share = models.BigIntegerField(default=0)

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["posted_at", "created_at"], name="ads_spenditem_posted")]
        constraints = [
            models.UniqueConstraint(
                fields=["batch_id", "campaign", "creator_id"], name="ads_spenditem_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.micros}µ"


class AdFillCount(BaseModel):
    """Decisions of one writer batch for one placement and day: how many asked, how many filled."""

    batch_id = models.UUIDField()
    day = models.DateField()
    placement = models.CharField(max_length=16)
    requests = models.PositiveIntegerField()
    filled = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.day} {self.placement} {self.filled}/{self.requests}"


class AdDailyStat(models.Model):
    """The rollup: one row per day, campaign, ad, country and placement (``ads_rollup``)."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    campaign = models.ForeignKey("ads.Campaign", on_delete=models.CASCADE, related_name="+")
    ad = models.ForeignKey("ads.Ad", on_delete=models.CASCADE, related_name="+")
    country = models.CharField(max_length=2, blank=True)
    placement = models.CharField(max_length=16)
    impressions = models.PositiveIntegerField(default=0)
    viewable = models.PositiveIntegerField(default=0)
    billable_impressions = models.PositiveIntegerField(default=0)
    invalid_impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    invalid_clicks = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)
    spend_micros = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["campaign", "day"], name="ads_dailystat_campaign")]
        constraints = [
            models.UniqueConstraint(fields=["day", "ad", "country", "placement"], name="ads_dailystat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.ad_id}"


class CampaignSpendDay(models.Model):
    """Each campaign's written spend per day (micro-units), what decisions read for the daily cap
    and pacing instead of summing AdSpendItem rows. Kept by a database trigger on
    ``ads_adspenditem`` (insert, delete, and updates of its amount, campaign or day: migration
    0003), so every writer of spend items keeps it exact; one row per campaign and day."""

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey("ads.Campaign", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    micros = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="ads_spendday_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day} {self.micros}µ"


class LiveVersion(models.Model):
    """The version key of what decisions cache per process (``ads.services.live``).

    Database triggers (migration 0003) give a row a fresh value from a sequence on every
    statement that changes a campaign, an ad, an advertiser or a spend item. A transaction takes
    the first row no other transaction holds (``FOR UPDATE SKIP LOCKED``, so it never waits and
    never deadlocks) and adds a row when all are held; the key is every row's value in id order,
    so any committed change gives a key never seen before."""

    id = models.BigAutoField(primary_key=True)
    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.id}: {self.version}"
