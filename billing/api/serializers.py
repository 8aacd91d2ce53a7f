"""Shapes of the billing API (output serializers are read-only)."""

from rest_framework import serializers

from billing.models import Payment, Refund


class SetupIntentSerializer(serializers.Serializer):
    setup_intent_id = serializers.CharField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="requires_payment_method, requires_action (3-D Secure), succeeded ..."
    )
    client_secret = serializers.CharField(read_only=True, help_text="For Stripe.js to confirm or authenticate.")
    payment_method_id = serializers.CharField(read_only=True, allow_null=True)


class PaymentMethodSaveSerializer(serializers.Serializer):
    payment_method = serializers.RegexField(
        r"^pm_[A-Za-z0-9_]{1,250}$", help_text="A card tokenised by Stripe.js (pm_...)."
    )
    make_default = serializers.BooleanField(default=False)


class SavedCardSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    brand = serializers.CharField(read_only=True)
    last4 = serializers.CharField(read_only=True)
    exp_month = serializers.IntegerField(read_only=True)
    exp_year = serializers.IntegerField(read_only=True)
    is_default = serializers.BooleanField(read_only=True)


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "amount", "currency", "status", "created_at"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    beneficiary = serializers.UUIDField(source="beneficiary_id", read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "purpose",
            "purpose_ref",
            "description",
            "beneficiary",
            "amount",
            "currency",
            "amount_refunded",
            "status",
            "failure_code",
            "created_at",
            "succeeded_at",
        ]
        read_only_fields = fields


class PaymentReceiptSerializer(PaymentSerializer):
    """One payment with its receipt: Stripe's receipt page and the refunds made."""

    refunds = RefundSerializer(many=True, read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "receipt_url", "refunds"]
        read_only_fields = fields


class EarningsBalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    available = serializers.IntegerField(help_text="Minor units; negative: owed, netted off by the next payout.")
    pending = serializers.IntegerField(help_text="Minor units in the hold period.")
    held = serializers.IntegerField(help_text="Minor units held (finance or a moderation hold).")


class EarningsRevenueSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="The payment's purpose: membership, tip (ads: ad).")
    currency = serializers.CharField()
    amount = serializers.IntegerField(
        help_text="Net to the creator, minor units: captures less refunds and lost disputes."
    )


class EarningsPayoutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    currency = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount = serializers.IntegerField()
    withholding = serializers.IntegerField()
    net = serializers.IntegerField()
    status = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)


class EarningsConnectSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="details_needed, pending_verification, enabled or restricted.")
    payouts_enabled = serializers.BooleanField()
    requirements_due = serializers.ListField(child=serializers.CharField())


class EarningsSerializer(serializers.Serializer):
    balances = EarningsBalanceSerializer(many=True)
    revenue_since = serializers.DateTimeField(help_text="The revenue below is from this time on (90 days).")
    revenue = EarningsRevenueSerializer(many=True)
    payouts = EarningsPayoutSerializer(many=True, help_text="The latest 20.")
    connect = EarningsConnectSerializer(
        allow_null=True, help_text="Null before onboarding (the studio's Earnings page)."
    )
