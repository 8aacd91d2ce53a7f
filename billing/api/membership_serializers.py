"""Shapes of the memberships API (output serializers are read-only)."""

from rest_framework import serializers

from billing.models import Membership, MembershipPrice, MembershipTier


class TierPriceInSerializer(serializers.Serializer):
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. usd.")
    monthly = serializers.IntegerField(min_value=1, help_text="Minor units a month.")
    yearly = serializers.IntegerField(min_value=1, required=False, allow_null=True, help_text="Minor units a year.")


class TierInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    benefits = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=20, required=False, default=list
    )
    position = serializers.IntegerField(min_value=1, max_value=100, help_text="1 is the lowest tier.")
    trial_days = serializers.IntegerField(min_value=0, max_value=90, required=False, default=0)
    prices = TierPriceInSerializer(many=True, help_text="A monthly (and optional yearly) price per currency.")


class TierUpdateSerializer(TierInSerializer):
    name = serializers.CharField(max_length=60, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    benefits = serializers.ListField(child=serializers.CharField(max_length=200), max_length=20, required=False)
    position = serializers.IntegerField(min_value=1, max_value=100, required=False)
    trial_days = serializers.IntegerField(min_value=0, max_value=90, required=False)
    prices = TierPriceInSerializer(many=True, required=False)


class TierPriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = MembershipPrice
        fields = ["currency", "interval", "amount"]
        read_only_fields = fields


class TierSerializer(serializers.ModelSerializer):
    creator = serializers.UUIDField(source="creator_id", read_only=True)
    prices = TierPriceSerializer(many=True, read_only=True)
    archived = serializers.SerializerMethodField()

    class Meta:
        model = MembershipTier
        fields = [
            "id", "creator", "name", "description", "benefits", "position", "trial_days", "archived", "prices",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_archived(self, tier: MembershipTier) -> bool:
        return tier.archived_at is not None


class JoinSerializer(serializers.Serializer):
    tier = serializers.UUIDField()
    currency = serializers.CharField(max_length=3)
    interval = serializers.ChoiceField(choices=MembershipPrice.Interval.choices, default="month")
    payment_method = serializers.RegexField(
        r"^pm_[A-Za-z0-9_]{1,250}$", required=False, help_text="A new card (pm_...); the default card when left out."
    )
    return_url = serializers.URLField(required=False, help_text="Where 3-D Secure returns to.")


class RetryPaymentSerializer(serializers.Serializer):
    payment_method = serializers.RegexField(
        r"^pm_[A-Za-z0-9_]{1,250}$",
        required=False,
        help_text="A new or saved card (pm_...), kept for the next renewals; the membership's card when left out.",
    )


class ChangeTierSerializer(serializers.Serializer):
    tier = serializers.UUIDField()
    interval = serializers.ChoiceField(choices=MembershipPrice.Interval.choices, required=False)


class GiftSerializer(serializers.Serializer):
    viewer = serializers.CharField(max_length=64, help_text="The handle of the viewer.")
    tier = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=[("gift", "Gift"), ("comp", "Complimentary")], default="gift")
    months = serializers.IntegerField(min_value=1, max_value=24, required=False, allow_null=True, default=1)


class MembershipSerializer(serializers.ModelSerializer):
    creator = serializers.UUIDField(source="creator_id", read_only=True)
    creator_handle = serializers.CharField(source="creator.handle", read_only=True)
    tier = TierSerializer(read_only=True)
    price = TierPriceSerializer(read_only=True, allow_null=True)
    next_charge = serializers.SerializerMethodField(help_text="When and how much the next renewal charges.")

    class Meta:
        model = Membership
        fields = [
            "id", "creator", "creator_handle", "tier", "price", "kind", "status", "cancel_at_period_end",
            "current_period_start", "current_period_end", "past_due_since", "next_charge", "created_at", "ended_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_next_charge(self, membership: Membership) -> dict | None:
        live = membership.status in {"active", "trialing", "past_due"}
        if membership.kind != "paid" or not live or membership.cancel_at_period_end or membership.price is None:
            return None
        return {
            "at": membership.current_period_end,
            "amount": membership.price.amount,
            "currency": membership.price.currency,
        }


class JoinResultSerializer(serializers.Serializer):
    membership = MembershipSerializer(read_only=True)
    requires_action = serializers.BooleanField(read_only=True)
    client_secret = serializers.CharField(
        read_only=True, allow_null=True, help_text="3-D Secure: confirm the PaymentIntent with it (Stripe.js)."
    )


class MemberSerializer(serializers.ModelSerializer):
    viewer = serializers.UUIDField(source="viewer_id", read_only=True)
    handle = serializers.CharField(source="viewer.handle", read_only=True)
    tier = serializers.CharField(source="tier.name", read_only=True)
    tier_position = serializers.IntegerField(source="tier.position", read_only=True)
    since = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "viewer", "handle", "tier", "tier_position", "kind", "status", "since", "current_period_end"]
        read_only_fields = fields
