"""The memberships API (docs/billing.md#memberships): thin views over billing.services.memberships."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import users_with_handle
from billing import selectors
from billing.api.membership_serializers import (
    ChangeTierSerializer,
    GiftSerializer,
    JoinResultSerializer,
    JoinSerializer,
    MemberSerializer,
    MembershipSerializer,
    RetryPaymentSerializer,
    TierInSerializer,
    TierSerializer,
    TierUpdateSerializer,
)
from billing.api.serializers import PaymentSerializer
from billing.models import MembershipTier
from billing.services import memberships
from core.errors import NotFoundError
from core.openapi import error_responses
from core.pagination import CursorPagination

PROVIDER = "503 `payment_provider_unavailable` when Stripe is not answering."


def _prices(data) -> list[memberships.TierPrice]:
    return [memberships.TierPrice(p["currency"], p["monthly"], p.get("yearly")) for p in data]


def _tier(pk) -> MembershipTier:
    tier = MembershipTier.objects.filter(pk=pk).first()
    if tier is None:
        raise NotFoundError("No such tier.", code="tier_not_found")
    return tier


class TierListCreateView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        operation_id="billing_tiers_list",
        parameters=[OpenApiParameter("creator", str, required=True, description="The creator's id.")],
        responses={200: TierSerializer(many=True)},
        description="A creator's tiers (unarchived), lowest first, with their current prices.",
    )
    def get(self, request: Request) -> Response:
        try:
            creator = uuid.UUID(request.query_params.get("creator", ""))
        except ValueError:
            raise NotFoundError("No such creator.", code="creator_not_found") from None
        return Response(TierSerializer(selectors.tiers_of_creator(creator_id=creator), many=True).data)

    @extend_schema(
        operation_id="billing_tiers_create",
        request=TierInSerializer,
        responses={201: TierSerializer, **error_responses(409, 503)},
        description="Create a tier (a Stripe Product and Prices). 409 `tier_limit_reached` (5 tiers), "
        f"`tier_position_taken`; 400 `currency_unsupported`, `amount_too_small`. {PROVIDER}",
    )
    def post(self, request: Request) -> Response:
        serializer = TierInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tier = memberships.tier_create(
            creator=request.user,
            name=data["name"],
            description=data["description"],
            benefits=data["benefits"],
            position=data["position"],
            trial_days=data["trial_days"],
            prices=_prices(data["prices"]),
        )
        return Response(TierSerializer(tier).data, status=status.HTTP_201_CREATED)


class TierDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_tiers_update",
        request=TierUpdateSerializer,
        responses={200: TierSerializer, **error_responses(409, 503)},
        description="Change your tier. A new price applies to new members at once and to existing members "
        "from their next renewal (they are told now). 404 `tier_not_found` for another's tier.",
    )
    def patch(self, request: Request, pk) -> Response:
        serializer = TierUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tier = memberships.tier_update(
            tier=_tier(pk),
            by=request.user,
            name=data.get("name"),
            description=data.get("description"),
            benefits=data.get("benefits"),
            position=data.get("position"),
            trial_days=data.get("trial_days"),
            prices=_prices(data["prices"]) if "prices" in data else None,
        )
        return Response(TierSerializer(tier).data)


class TierArchiveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_tiers_archive",
        request=None,
        responses={200: TierSerializer, **error_responses(503)},
        description="Archive your tier: no new members; its members keep it until they leave.",
    )
    def post(self, request: Request, pk) -> Response:
        tier = memberships.tier_archive(tier=_tier(pk), by=request.user)
        return Response(TierSerializer(tier).data)


class MembershipListJoinView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="billing_memberships_list",
        responses={200: MembershipSerializer(many=True)},
        description="Your memberships, with the next charge of each.",
    )
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(selectors.memberships_of_viewer(viewer=request.user), request, view=self)
        return paginator.get_paginated_response(MembershipSerializer(page, many=True).data)

    @extend_schema(
        operation_id="billing_memberships_join",
        request=JoinSerializer,
        responses={201: JoinResultSerializer, 202: JoinResultSerializer, **error_responses(402, 409, 503)},
        description="Join a tier with the default card or a new one (`payment_method`). 201 when active or "
        "in its trial; 202 with `requires_action` and `client_secret` when the bank wants 3-D Secure. "
        "409 `membership_exists`, `tier_archived`; 400 `currency_unsupported`, `price_unavailable`, "
        f"`payment_method_required`; 402 declines. {PROVIDER}",
    )
    def post(self, request: Request) -> Response:
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = memberships.membership_join(
            viewer=request.user,
            tier=_tier(data["tier"]),
            currency=data["currency"],
            interval=data["interval"],
            payment_method_id=data.get("payment_method", ""),
            return_url=data.get("return_url"),
        )
        code = status.HTTP_202_ACCEPTED if result.requires_action else status.HTTP_201_CREATED
        return Response(JoinResultSerializer(result).data, status=code)


class MembershipDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_memberships_retrieve",
        responses={200: MembershipSerializer},
        description="One of your memberships (404 `membership_not_found` for another's).",
    )
    def get(self, request: Request, pk) -> Response:
        membership = selectors.memberships_of_viewer(viewer=request.user).filter(pk=pk).first()
        if membership is None:
            raise NotFoundError("No such membership.", code="membership_not_found")
        return Response(MembershipSerializer(membership).data)


class MembershipReceiptsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_memberships_receipts",
        responses={200: PaymentSerializer(many=True)},
        description="The payments of one of your memberships, newest first (each has its receipt at "
        "/billing/payments/<id>/).",
    )
    def get(self, request: Request, pk) -> Response:
        membership = selectors.memberships_of_viewer(viewer=request.user).filter(pk=pk).first()
        if membership is None:
            raise NotFoundError("No such membership.", code="membership_not_found")
        return Response(PaymentSerializer(selectors.receipts_of_membership(membership=membership), many=True).data)


class MembershipChangeTierView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_memberships_change_tier",
        request=ChangeTierSerializer,
        responses={200: MembershipSerializer, **error_responses(402, 409, 503)},
        description="Upgrade (the rest of the period's difference is charged now) or downgrade (credited "
        "to the next renewal). 409 `membership_not_active`, `tier_archived`, `tier_unchanged`.",
    )
    def post(self, request: Request, pk) -> Response:
        serializer = ChangeTierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = memberships.membership_change_tier(
            membership_id=pk, by=request.user, tier=_tier(data["tier"]), interval=data.get("interval")
        )
        return Response(MembershipSerializer(membership).data)


class MembershipCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_memberships_cancel",
        request=None,
        responses={200: MembershipSerializer, **error_responses(409, 503)},
        description="Cancel at the end of the period (access until then). 404 `membership_not_found` "
        "for another's; 409 `membership_ended`.",
    )
    def post(self, request: Request, pk) -> Response:
        return Response(MembershipSerializer(memberships.membership_cancel(membership_id=pk, by=request.user)).data)


class MembershipResumeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_memberships_resume",
        request=None,
        responses={200: MembershipSerializer, **error_responses(409, 503)},
        description="Undo a cancel before the period ends. 409 `membership_ended`, `membership_not_canceling`.",
    )
    def post(self, request: Request, pk) -> Response:
        return Response(MembershipSerializer(memberships.membership_resume(membership_id=pk, by=request.user)).data)


class MembershipRetryPaymentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_memberships_retry_payment",
        request=RetryPaymentSerializer,
        responses={200: JoinResultSerializer, 202: JoinResultSerializer, **error_responses(402, 409, 503)},
        description="Pay a failed renewal now (grace period), with the membership's card or a new or saved one "
        "(`payment_method`, kept for the next renewals): 200 with the membership active again; 202 with "
        "`requires_action` and `client_secret` when the bank wants 3-D Secure. 404 `membership_not_found` "
        "for another's; 409 `membership_not_past_due`, `no_open_invoice`; "
        f"402 declines (the membership stays `past_due`). {PROVIDER}",
    )
    def post(self, request: Request, pk) -> Response:
        serializer = RetryPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = memberships.membership_retry_payment(
            membership_id=pk, by=request.user, payment_method_id=serializer.validated_data.get("payment_method", "")
        )
        code = status.HTTP_202_ACCEPTED if result.requires_action else status.HTTP_200_OK
        return Response(JoinResultSerializer(result).data, status=code)


class MemberListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="billing_members_list",
        parameters=[OpenApiParameter("status", str, required=False)],
        responses={200: MemberSerializer(many=True)},
        description="Your members (tier, since, status), newest first.",
    )
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        members = selectors.members_of_creator(creator=request.user, status=request.query_params.get("status"))
        page = paginator.paginate_queryset(members, request, view=self)
        return paginator.get_paginated_response(MemberSerializer(page, many=True).data)


class GiftCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_members_gift",
        request=GiftSerializer,
        responses={201: MemberSerializer, **error_responses(409)},
        description="Give a viewer a free membership of your tier (a gift for some months, or a comp without "
        "end). Nothing is charged or posted. 404 `user_not_found`; 409 `membership_exists`, `tier_archived`.",
    )
    def post(self, request: Request) -> Response:
        serializer = GiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        viewer = users_with_handle(handle=data["viewer"].lstrip("@")).filter(is_active=True).first()
        if viewer is None:
            raise NotFoundError("No such user.", code="user_not_found")
        membership = memberships.membership_gift(
            creator=request.user,
            viewer=viewer,
            tier=_tier(data["tier"]),
            kind=data["kind"],
            months=data["months"] if data["kind"] == "gift" else None,
        )
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)
