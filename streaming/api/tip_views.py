"""REST for live tips: send one, list a stream's paid tips, and the limits clients show."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from core.errors import NotFoundError
from core.openapi import error_responses
from streaming.models import StreamTip
from streaming.selectors.streams import can_view_stream, stream_get
from streaming.services import tips


class TipCreateSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (500 = $5.00; JPY: yen).")
    currency = serializers.CharField(max_length=3)
    message = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=True)
    anonymous = serializers.BooleanField(required=False, default=False, help_text="Hide your name from other viewers.")
    payment_method = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A saved card (pm_…); the default card otherwise."
    )
    client_key = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="Retrying with it returns the same tip."
    )


class TipperSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    handle = serializers.CharField()
    display_name = serializers.CharField()


class TipSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    stream_id = serializers.UUIDField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    amount_display = serializers.CharField()
    message = serializers.CharField()
    anonymous = serializers.BooleanField()
    status = serializers.ChoiceField(choices=StreamTip.Status.choices)
    failure_code = serializers.CharField()
    pin_seconds = serializers.IntegerField()
    highlighted_at = serializers.DateTimeField(allow_null=True)
    reversed_at = serializers.DateTimeField(allow_null=True)
    message_id = serializers.UUIDField(allow_null=True)
    tipper = TipperSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class TipResultSerializer(serializers.Serializer):
    tip = TipSerializer()
    client_secret = serializers.CharField(
        allow_null=True, help_text="When the tip's status is requires_action: confirm it with Stripe.js (3-D Secure)."
    )


class StreamTipsView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated(), IsEmailVerified()]

    @extend_schema(
        operation_id="streams_tips_list",
        responses={200: TipSerializer(many=True), **error_responses(404)},
        description="The stream's paid tips, newest first (the last 50; refunded or disputed ones marked).",
    )
    def get(self, request: Request, pk) -> Response:
        stream = stream_get(stream_id=pk)
        user = request.user if request.user.is_authenticated else None
        if not can_view_stream(stream=stream, user=user):
            raise NotFoundError("No such stream.")
        owner = user is not None and user.pk == stream.owner_id
        rows = [tips.tip_payload(tip, for_owner=owner) for tip in tips.stream_tips_recent(stream=stream)]
        return Response(TipSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="streams_tips_create",
        request=TipCreateSerializer,
        responses={
            201: TipResultSerializer,
            202: TipResultSerializer,
            **error_responses(402, 404, 409),
        },
        description=(
            "Tip a live stream. 201: paid, and shown in the chat (`tip` event). 202: `requires_action` "
            "(3-D Secure with `client_secret`; shown once the payment succeeds). 402: declined, with the "
            "card's decline code. See docs/streaming.md, Tips."
        ),
    )
    def post(self, request: Request, pk) -> Response:
        stream = stream_get(stream_id=pk)
        if not can_view_stream(stream=stream, user=request.user):
            raise NotFoundError("No such stream.")
        serializer = TipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = tips.tip_create(
            stream=stream,
            user=request.user,
            amount=data["amount"],
            currency=data["currency"],
            message=data.get("message", ""),
            anonymous=data.get("anonymous", False),
            payment_method=data.get("payment_method") or None,
            client_key=data.get("client_key") or "",
        )
        body = {"tip": tips.tip_payload(outcome.tip, for_owner=True), "client_secret": outcome.client_secret}
        code = (
            status.HTTP_202_ACCEPTED
            if outcome.tip.status == StreamTip.Status.REQUIRES_ACTION
            else status.HTTP_201_CREATED
        )
        return Response(TipResultSerializer(body).data, status=code)


class TipSettingsSerializer(serializers.Serializer):
    currencies = serializers.DictField(child=serializers.DictField())
    message_max_length = serializers.IntegerField()
    pin_table = serializers.ListField(child=serializers.DictField())


class TipSettingsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="streams_tips_settings", responses={200: TipSettingsSerializer})
    def get(self, request: Request) -> Response:
        return Response(tips.tip_settings())
