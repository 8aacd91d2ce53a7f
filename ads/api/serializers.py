"""Ads' API shapes: input serializers check shape only (services check rules); output is read-only."""

from __future__ import annotations

from rest_framework import serializers

from ads.models import Ad, Advertiser, Campaign


class AdvertiserRegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    timezone = serializers.CharField(max_length=64, default="UTC")
    currency = serializers.CharField(max_length=3, default="usd")


class AdvertiserSerializer(serializers.ModelSerializer):
    balance = serializers.IntegerField(read_only=True, help_text="Prepaid balance left, minor units.")

    class Meta:
        model = Advertiser
        fields = ["id", "name", "timezone", "currency", "balance", "created_at"]
        read_only_fields = fields


class AdTopUpSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, help_text="Minor units of the advertiser's currency.")
    payment_method_id = serializers.CharField(max_length=255, help_text="A saved card (pm_...).")
    idempotency_key = serializers.CharField(max_length=80, help_text="Names this top-up; retrying it charges once.")


class AdTopUpResultSerializer(serializers.Serializer):
    payment = serializers.UUIDField()
    status = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    balance = serializers.IntegerField()


_LIST = {"required": False}


class AdCampaignWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    objective = serializers.ChoiceField(choices=Campaign.Objective.choices, required=False)
    budget_total = serializers.IntegerField(min_value=0, max_value=10**12)
    budget_daily = serializers.IntegerField(min_value=0, max_value=10**12, required=False, allow_null=True)
    bid_model = serializers.ChoiceField(choices=Campaign.BidModel.choices)
    bid_amount = serializers.IntegerField(min_value=1, max_value=10**9)
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField(required=False, allow_null=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(), max_length=7, **_LIST)
    hours = serializers.ListField(child=serializers.IntegerField(), max_length=24, **_LIST)
    pacing = serializers.ChoiceField(choices=Campaign.Pacing.choices, required=False)
    frequency_cap_day = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    frequency_cap_total = serializers.IntegerField(min_value=1, max_value=100000, required=False, allow_null=True)
    countries = serializers.ListField(child=serializers.CharField(max_length=2), max_length=250, **_LIST)
    regions = serializers.ListField(child=serializers.CharField(max_length=6), max_length=500, **_LIST)
    languages = serializers.ListField(child=serializers.CharField(max_length=3), max_length=100, **_LIST)
    devices = serializers.ListField(child=serializers.CharField(max_length=8), max_length=4, **_LIST)
    age_min = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    age_max = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    genders = serializers.ListField(child=serializers.CharField(max_length=16), max_length=3, **_LIST)
    interests = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50, **_LIST)
    placements = serializers.ListField(child=serializers.CharField(max_length=16), max_length=4, **_LIST)


class AdCampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "objective",
            "status",
            "rejection_reason",
            "currency",
            "budget_total",
            "budget_daily",
            "bid_model",
            "bid_amount",
            "start_at",
            "end_at",
            "weekdays",
            "hours",
            "pacing",
            "frequency_cap_day",
            "frequency_cap_total",
            "countries",
            "regions",
            "languages",
            "devices",
            "age_min",
            "age_max",
            "genders",
            "interests",
            "placements",
            "spent",
            "completed_reason",
            "created_at",
        ]
        read_only_fields = fields


class AdWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    format = serializers.ChoiceField(choices=Ad.Format.choices)
    headline = serializers.CharField(max_length=90)
    body = serializers.CharField(max_length=280, required=False, allow_blank=True)
    destination_url = serializers.CharField(max_length=2000)
    call_to_action = serializers.CharField(max_length=30, required=False)
    skippable_after = serializers.IntegerField(min_value=0, max_value=60, required=False, allow_null=True)
    weight = serializers.IntegerField(min_value=1, max_value=100, required=False)
    video = serializers.UUIDField(required=False, allow_null=True, help_text="One of your videos (video ads).")
    image = serializers.FileField(required=False, help_text="Image ads: JPEG, PNG, WebP or GIF (re-encoded).")


class AdUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    headline = serializers.CharField(max_length=90, required=False)
    body = serializers.CharField(max_length=280, required=False, allow_blank=True)
    destination_url = serializers.CharField(max_length=2000, required=False)
    call_to_action = serializers.CharField(max_length=30, required=False)
    weight = serializers.IntegerField(min_value=1, max_value=100, required=False)
    is_active = serializers.BooleanField(required=False)


class AdSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Ad
        fields = [
            "id",
            "campaign",
            "name",
            "format",
            "headline",
            "body",
            "image_url",
            "video",
            "skippable_after",
            "destination_url",
            "call_to_action",
            "weight",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields

    def get_image_url(self, ad: Ad) -> str | None:
        from django.core.files.storage import default_storage

        return default_storage.url(ad.image) if ad.image else None


class ServedAdSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    format = serializers.CharField()
    headline = serializers.CharField()
    body = serializers.CharField()
    call_to_action = serializers.CharField()
    advertiser = serializers.CharField()
    image_url = serializers.CharField(allow_null=True)
    video = serializers.UUIDField(allow_null=True)
    skippable_after = serializers.IntegerField(allow_null=True)
    destination_host = serializers.CharField()


class AdDecisionSerializer(serializers.Serializer):
    ad = ServedAdSerializer(allow_null=True)
    offer = serializers.CharField(allow_null=True, help_text="The single-use offer token (view and click carry it).")
    view_url = serializers.CharField(allow_null=True, help_text="POST {offer, visible_ratio, visible_ms} here.")
    click_url = serializers.CharField(allow_null=True, help_text="Send the viewer here on a click.")
    expires_at = serializers.DateTimeField(allow_null=True)
    explain = serializers.DictField(required=False, help_text="Staff only: the reason, and each campaign's.")


class AdViewBeaconSerializer(serializers.Serializer):
    offer = serializers.CharField(max_length=2000)
    visible_ratio = serializers.FloatField(min_value=0, max_value=1, help_text="Share of the ad's pixels in view.")
    visible_ms = serializers.IntegerField(min_value=0, max_value=86_400_000, help_text="Continuous ms at that share.")


class AdConversionSerializer(serializers.Serializer):
    click_id = serializers.UUIDField()
    value = serializers.IntegerField(min_value=0, max_value=10**12, required=False, default=0)


class AdConversionResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    click_id = serializers.UUIDField()
    campaign = serializers.UUIDField(source="campaign_id")
    ad = serializers.UUIDField(source="ad_id")
    value = serializers.IntegerField()


class AdReportRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The group: a day, a country, a placement or an ad id.")
    impressions = serializers.IntegerField()
    viewable = serializers.IntegerField()
    viewable_rate = serializers.FloatField(allow_null=True)
    billable_impressions = serializers.IntegerField()
    invalid_impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    invalid_clicks = serializers.IntegerField()
    ctr = serializers.FloatField(allow_null=True)
    conversions = serializers.IntegerField()
    spend = serializers.FloatField(help_text="Minor units.")
    ecpm = serializers.FloatField(allow_null=True)
    ecpc = serializers.FloatField(allow_null=True)


class AdVerdictSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["winner", "too_early", "single_ad"])
    metric = serializers.CharField()
    winner = serializers.UUIDField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True, help_text="1 - two-sided p-value, best vs runner-up.")
    arms = serializers.ListField(child=serializers.DictField())


class AdViewerProfileSerializer(serializers.Serializer):
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1800, max_value=3000)
    gender = serializers.CharField(required=False, allow_blank=True, max_length=16)
    interests = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50, required=False)
