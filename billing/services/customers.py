"""Stripe customers and saved cards (``/api/v1/billing/payment-methods/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from billing.models import BillingCustomer
from billing.stripe_api import PaymentDeclinedError, calling_stripe, client, decline_code_of
from core.errors import NotFoundError


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


@dataclass(frozen=True)
class SetupResult:
    setup_intent_id: str
    status: str  # requires_payment_method | requires_action | succeeded ...
    client_secret: str
    payment_method_id: str | None


def customer_get_or_create(*, user) -> BillingCustomer:
    """The user's Stripe customer, created (at Stripe, then here) the first time it is needed."""
    existing = BillingCustomer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    with calling_stripe("customer create"):
        remote = client().v1.customers.create(
            params={"email": user.email or None, "metadata": {"fanfare_user_id": str(user.pk)}},
            options={"idempotency_key": f"customer:{user.pk}"},
        )
    try:
        with transaction.atomic():
            return BillingCustomer.objects.create(
                user=user, stripe_customer_id=remote.id, livemode=bool(remote.livemode or settings.STRIPE_LIVE_MODE)
            )
    except IntegrityError:
        # Two first payments at once: Stripe's idempotency key gave both the same customer.
        return BillingCustomer.objects.get(user=user)


def setup_intent_create(*, user) -> SetupResult:
    """A SetupIntent for saving a card with Stripe.js (the client confirms it with the secret)."""
    customer = customer_get_or_create(user=user)
    with calling_stripe("setup intent create"):
        intent = client().v1.setup_intents.create(
            params={"customer": customer.stripe_customer_id, "usage": "off_session", "payment_method_types": ["card"]}
        )
    return _setup_result(intent)


def payment_method_save(*, user, payment_method_id: str, make_default: bool = False) -> SetupResult:
    """Save a card the client tokenised (``pm_...``): confirm a SetupIntent with it now.

    Declined: 402 with the decline code. 3-D Secure: ``requires_action`` and the client secret,
    for the client to authenticate; the card is saved once it succeeds.
    """
    customer = customer_get_or_create(user=user)
    with calling_stripe("setup intent confirm"):
        intent = client().v1.setup_intents.create(
            params={
                "customer": customer.stripe_customer_id,
                "payment_method": payment_method_id,
                "confirm": True,
                "usage": "off_session",
                "payment_method_types": ["card"],
            }
        )
    if intent.status == "succeeded" and (make_default or not customer.default_payment_method_id):
        payment_method_set_default(user=user, payment_method_id=intent.payment_method)
    return _setup_result(intent)


def _setup_result(intent: Any) -> SetupResult:
    pm = intent.payment_method
    return SetupResult(
        setup_intent_id=intent.id,
        status=intent.status,
        client_secret=intent.client_secret,
        payment_method_id=pm if isinstance(pm, str) or pm is None else pm.id,
    )


def payment_methods_list(*, user) -> list[SavedCard]:
    """The user's saved cards, from Stripe (no customer yet: none)."""
    customer = BillingCustomer.objects.filter(user=user).first()
    if customer is None:
        return []
    with calling_stripe("payment methods list"):
        listing = client().v1.customers.payment_methods.list(customer.stripe_customer_id, params={"limit": 100})
    return [
        SavedCard(
            id=pm.id,
            brand=pm.card.brand,
            last4=pm.card.last4,
            exp_month=pm.card.exp_month,
            exp_year=pm.card.exp_year,
            is_default=pm.id == customer.default_payment_method_id,
        )
        for pm in listing.data
        if pm.type == "card"
    ]


def _own_payment_method(*, customer: BillingCustomer | None, payment_method_id: str) -> Any:
    if customer is None:
        raise NotFoundError("No such payment method.", code="payment_method_not_found")
    try:
        with calling_stripe("payment method retrieve"):
            pm = client().v1.payment_methods.retrieve(payment_method_id)
    except Exception as error:
        if isinstance(error.__cause__, stripe.InvalidRequestError):
            raise NotFoundError("No such payment method.", code="payment_method_not_found") from error
        raise
    if pm.customer != customer.stripe_customer_id:
        raise NotFoundError("No such payment method.", code="payment_method_not_found")
    return pm


def payment_method_set_default(*, user, payment_method_id: str) -> BillingCustomer:
    customer = BillingCustomer.objects.filter(user=user).first()
    _own_payment_method(customer=customer, payment_method_id=payment_method_id)
    with calling_stripe("customer default payment method"):
        client().v1.customers.update(
            customer.stripe_customer_id, params={"invoice_settings": {"default_payment_method": payment_method_id}}
        )
    BillingCustomer.objects.filter(pk=customer.pk).update(default_payment_method_id=payment_method_id)
    customer.refresh_from_db()
    return customer


def payment_method_remove(*, user, payment_method_id: str) -> None:
    customer = BillingCustomer.objects.filter(user=user).first()
    _own_payment_method(customer=customer, payment_method_id=payment_method_id)
    with calling_stripe("payment method detach"):
        client().v1.payment_methods.detach(payment_method_id)
    BillingCustomer.objects.filter(pk=customer.pk, default_payment_method_id=payment_method_id).update(
        default_payment_method_id=""
    )


__all__ = [
    "PaymentDeclinedError",
    "SavedCard",
    "SetupResult",
    "customer_get_or_create",
    "decline_code_of",
    "payment_method_remove",
    "payment_method_save",
    "payment_method_set_default",
    "payment_methods_list",
    "setup_intent_create",
]
