"""The billing API: saved cards and one's own payments (thin: parse, call one service, render).

Stripe not answering is 503 ``payment_provider_unavailable``; a card the bank declines is 402
with Stripe's decline code (``card_declined``, ``insufficient_funds``, ``expired_card`` ...).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api.serializers import (
    EarningsSerializer,
    PaymentMethodSaveSerializer,
    PaymentReceiptSerializer,
    PaymentSerializer,
    SavedCardSerializer,
    SetupIntentSerializer,
)
from billing.services import customers
from core.errors import NotFoundError
from core.openapi import error_responses
from core.pagination import CursorPagination

PROVIDER_ERRORS = "503 `payment_provider_unavailable`: Stripe is not answering; nothing was saved or charged."
DECLINES = "402 with Stripe's decline code (`card_declined`, `insufficient_funds`, `expired_card` ...)."


class SetupIntentCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_setup_intents_create",
        request=None,
        responses={201: SetupIntentSerializer, **error_responses(503)},
        description="A SetupIntent for saving a card with Stripe.js; the client confirms it with "
        f"`client_secret`. Creates the caller's Stripe customer when needed. {PROVIDER_ERRORS}",
    )
    def post(self, request: Request) -> Response:
        result = customers.setup_intent_create(user=request.user)
        return Response(SetupIntentSerializer(result).data, status=status.HTTP_201_CREATED)


class PaymentMethodListCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_payment_methods_list",
        responses={200: SavedCardSerializer(many=True), **error_responses(503)},
        description=f"The caller's saved cards. {PROVIDER_ERRORS}",
    )
    def get(self, request: Request) -> Response:
        cards = customers.payment_methods_list(user=request.user)
        return Response(SavedCardSerializer(cards, many=True).data)

    @extend_schema(
        operation_id="billing_payment_methods_create",
        request=PaymentMethodSaveSerializer,
        responses={
            201: SetupIntentSerializer,
            202: SetupIntentSerializer,
            **error_responses(402, 503),
        },
        description="Save a card tokenised by Stripe.js: 201 when saved; 202 with status `requires_action` "
        f"when the bank wants 3-D Secure (authenticate with `client_secret`). {DECLINES} {PROVIDER_ERRORS}",
    )
    def post(self, request: Request) -> Response:
        serializer = PaymentMethodSaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = customers.payment_method_save(
            user=request.user,
            payment_method_id=serializer.validated_data["payment_method"],
            make_default=serializer.validated_data["make_default"],
        )
        code = status.HTTP_201_CREATED if result.status == "succeeded" else status.HTTP_202_ACCEPTED
        return Response(SetupIntentSerializer(result).data, status=code)


class PaymentMethodDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_payment_methods_remove",
        responses={204: None, **error_responses(503)},
        description=f"Remove a saved card (404 `payment_method_not_found` for another's). {PROVIDER_ERRORS}",
    )
    def delete(self, request: Request, pm_id: str) -> Response:
        customers.payment_method_remove(user=request.user, payment_method_id=pm_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaymentMethodDefaultView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_payment_methods_set_default",
        request=None,
        responses={204: None, **error_responses(503)},
        description=f"Make a saved card the default. {PROVIDER_ERRORS}",
    )
    def post(self, request: Request, pm_id: str) -> Response:
        customers.payment_method_set_default(user=request.user, payment_method_id=pm_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaymentListView(APIView):
    permission_classes = [IsAuthenticated]

    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)

    @extend_schema(operation_id="billing_payments_list", responses={200: PaymentSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(selectors.payments_of_user(user=request.user), request, view=self)
        return paginator.get_paginated_response(PaymentSerializer(page, many=True).data)


class PaymentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="billing_payments_retrieve", responses={200: PaymentReceiptSerializer})
    def get(self, request: Request, pk) -> Response:
        payment = selectors.payment_of_user(user=request.user, payment_id=pk)
        if payment is None:
            raise NotFoundError("No such payment.", code="payment_not_found")
        return Response(PaymentReceiptSerializer(payment).data)


class EarningsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_earnings",
        responses={200: EarningsSerializer},
        description=(
            "Your earnings as a creator (the studio's Earnings page in data): balances per currency (available, "
            "pending, held), net revenue by source over the last 90 days, the latest payouts and the Connect "
            "account's status. Onboarding and the CSV exports are in the studio (`/studio/earnings/`)."
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(EarningsSerializer(selectors.creator_earnings(user=request.user)).data)
