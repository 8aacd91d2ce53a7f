"""Memberships: creators' tiers (Stripe Products and Prices), joining, changing, cancelling, gifts,
and what Stripe's subscription and invoice events do to them (docs/billing.md#memberships).

Money moves only through Stripe invoices: a paid invoice becomes a billing Payment (purpose
``membership``) whose capture entry is posted by ``billing.services.payments`` with MONEY.md's
rule (``creator:<id>:pending`` / ``platform:revenue:memberships``). Gifts post nothing.

Stripe is asked first, with idempotency keys named after Fanfare's rows (``tier:<id>:product``,
``membership:<id>:subscribe``), then the rows change; webhooks bring the same state again and
change nothing more (``membership_sync``). The transitions of ``Membership.status`` are listed
in ``billing.models.memberships`` and made only here (``_STATUS_FROM_STRIPE``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import Membership, MembershipPrice, MembershipTier, MembershipTrial, Payment
from billing.models.memberships import LIVE_STATUSES
from billing.money import STRIPE_MAX_AMOUNT, format_amount, minimum_amount, supported_currencies
from billing.services.customers import customer_get_or_create
from billing.services.payments import payment_sync
from billing.stripe_api import PaymentDeclinedError, calling_stripe, client
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.ids import uuid7

logger = logging.getLogger(__name__)

M = Membership.Status
_STATUS_FROM_STRIPE = {
    "incomplete": M.INCOMPLETE,
    "trialing": M.TRIALING,
    "active": M.ACTIVE,
    "past_due": M.PAST_DUE,
    "unpaid": M.PAST_DUE,
    "paused": M.PAUSED,
    "canceled": M.CANCELED,
    "incomplete_expired": M.ENDED,
}
_FINAL = {M.CANCELED, M.ENDED}
# Stripe ends a subscription whose first invoice is still unpaid this long after its creation
# (``incomplete_expired``); the sweep ends Fanfare's side of such a join at the same age.
INCOMPLETE_EXPIRES_AFTER = timedelta(hours=23)


class MembershipInvalidError(ApplicationError):
    default_code = "membership_invalid"
    default_message = "This membership request is not valid."


# -- tiers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TierPrice:
    currency: str
    monthly: int
    yearly: int | None = None


def _check_prices(prices: list[TierPrice]) -> list[TierPrice]:
    if not prices:
        raise MembershipInvalidError("A tier has a monthly price in at least one currency.", code="price_required")
    seen: set[str] = set()
    for price in prices:
        currency = str(price.currency or "").lower()
        if currency not in supported_currencies():
            raise MembershipInvalidError(
                f"Fanfare does not charge in {currency.upper() or 'that currency'}.", code="currency_unsupported"
            )
        if currency in seen:
            raise MembershipInvalidError(f"{currency.upper()} is given twice.", code="price_duplicate")
        seen.add(currency)
        for amount in (price.monthly, price.yearly):
            if amount is None:
                continue
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < minimum_amount(currency):
                raise MembershipInvalidError(
                    f"The smallest price in {currency.upper()} is {minimum_amount(currency)} minor units.",
                    code="amount_too_small",
                )
            if amount > STRIPE_MAX_AMOUNT:
                raise MembershipInvalidError("The price is too large.", code="amount_too_large")
    return [TierPrice(p.currency.lower(), p.monthly, p.yearly) for p in prices]


def _check_tier_fields(*, name: Any, position: Any, trial_days: Any, benefits: Any) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 60:
        raise MembershipInvalidError("A tier has a name of 1 to 60 characters.", code="tier_name_invalid")
    if not isinstance(position, int) or not 1 <= position <= 100:
        raise MembershipInvalidError("The position is a whole number from 1 to 100.", code="tier_position_invalid")
    if not isinstance(trial_days, int) or not 0 <= trial_days <= 90:
        raise MembershipInvalidError("A trial is 0 to 90 days.", code="trial_days_invalid")
    if (
        not isinstance(benefits, list)
        or len(benefits) > 20
        or any(not isinstance(line, str) or len(line) > 200 for line in benefits)
    ):
        raise MembershipInvalidError("Benefits are up to 20 lines of 200 characters.", code="benefits_invalid")


def _live_tiers(creator) -> Any:
    return MembershipTier.objects.filter(creator=creator, archived_at__isnull=True)


def _stripe_price_create(*, tier: MembershipTier, row_id, currency: str, interval: str, amount: int) -> str:
    with calling_stripe("price create"):
        remote = client().v1.prices.create(
            params={
                "product": tier.stripe_product_id,
                "unit_amount": amount,
                "currency": currency,
                "recurring": {"interval": interval},
                "nickname": f"{tier.name} ({interval}ly)",
                "metadata": {"fanfare_tier_id": str(tier.pk), "fanfare_price_id": str(row_id)},
            },
            options={"idempotency_key": f"tier-price:{row_id}"},
        )
    return remote.id


def _price_row(tier: MembershipTier, *, currency: str, interval: str, amount: int) -> MembershipPrice:
    """A new MembershipPrice (with its Stripe Price); not saved."""
    row_id = uuid7()
    stripe_id = _stripe_price_create(tier=tier, row_id=row_id, currency=currency, interval=interval, amount=amount)
    return MembershipPrice(
        id=row_id, tier=tier, currency=currency, interval=interval, amount=amount, stripe_price_id=stripe_id
    )


def _price_rows(tier: MembershipTier, prices: list[TierPrice]) -> list[MembershipPrice]:
    return [
        _price_row(tier, currency=price.currency, interval=interval, amount=amount)
        for price in prices
        for interval, amount in (("month", price.monthly), ("year", price.yearly))
        if amount is not None
    ]


def tier_create(
    *,
    creator,
    name: str,
    position: int,
    prices: list[TierPrice],
    description: str = "",
    benefits: list[str] | None = None,
    trial_days: int = 0,
) -> MembershipTier:
    """A new tier (a Stripe Product and its Prices). 409 ``tier_limit_reached`` past the limit,
    ``tier_position_taken`` when another unarchived tier has the position."""
    benefits = list(benefits or [])
    _check_tier_fields(name=name, position=position, trial_days=trial_days, benefits=benefits)
    prices = _check_prices(prices)
    limit = settings.BILLING_MEMBERSHIP_MAX_TIERS
    if _live_tiers(creator).count() >= limit:
        raise ConflictError(f"A creator has at most {limit} tiers; archive one first.", code="tier_limit_reached")
    if _live_tiers(creator).filter(position=position).exists():
        raise ConflictError("Another tier has this position.", code="tier_position_taken")
    tier = MembershipTier(
        id=uuid7(),
        creator=creator,
        name=name.strip(),
        description=description or "",
        benefits=benefits,
        position=position,
        trial_days=trial_days,
    )
    with calling_stripe("product create"):
        product = client().v1.products.create(
            params={
                "name": f"{tier.name} ({creator.handle})"[:250],
                "description": description or None,
                "metadata": {"fanfare_tier_id": str(tier.pk), "fanfare_creator_id": str(creator.pk)},
            },
            options={"idempotency_key": f"tier:{tier.pk}:product"},
        )
    tier.stripe_product_id = product.id
    rows = _price_rows(tier, prices)
    try:
        with transaction.atomic():
            # The creator's row serialises tier changes of one creator (the limit holds under races).
            get_user_model().objects.select_for_update().filter(pk=creator.pk).first()
            if _live_tiers(creator).count() >= limit:
                raise ConflictError(
                    f"A creator has at most {limit} tiers; archive one first.", code="tier_limit_reached"
                )
            tier.save()
            MembershipPrice.objects.bulk_create(rows)
    except IntegrityError:
        raise ConflictError("Another tier has this position.", code="tier_position_taken") from None
    return tier


def tier_update(
    *,
    tier: MembershipTier,
    by,
    name: str | None = None,
    description: str | None = None,
    benefits: list[str] | None = None,
    position: int | None = None,
    trial_days: int | None = None,
    prices: list[TierPrice] | None = None,
) -> MembershipTier:
    """Change a tier. A changed price is a new Stripe Price for new members; members on the old
    price are moved to the new one from their next renewal, and told now."""
    _own_tier(tier=tier, by=by)
    if tier.archived_at is not None:
        raise ConflictError("This tier is archived.", code="tier_archived")
    fields = {
        "name": tier.name if name is None else name,
        "position": tier.position if position is None else position,
        "trial_days": tier.trial_days if trial_days is None else trial_days,
        "benefits": tier.benefits if benefits is None else benefits,
    }
    _check_tier_fields(**fields)
    changed_rows: list[tuple[MembershipPrice | None, MembershipPrice]] = []
    if prices is not None:
        prices = _check_prices(prices)
        current = {(p.currency, p.interval): p for p in tier.prices.filter(active=True)}
        wanted = {}
        for price in prices:
            wanted[(price.currency, "month")] = price.monthly
            if price.yearly is not None:
                wanted[(price.currency, "year")] = price.yearly
        for (currency, interval), amount in wanted.items():
            old = current.get((currency, interval))
            if old is not None and old.amount == amount:
                continue
            changed_rows.append((old, _price_row(tier, currency=currency, interval=interval, amount=amount)))
        retired = [p for key, p in current.items() if key not in wanted]
    else:
        retired = []
    try:
        with transaction.atomic():
            locked = MembershipTier.objects.select_for_update().get(pk=tier.pk)
            locked.name = fields["name"].strip()
            locked.position = fields["position"]
            locked.trial_days = fields["trial_days"]
            locked.benefits = fields["benefits"]
            if description is not None:
                locked.description = description
            locked.save()
            for old, _row in changed_rows:
                if old is not None:
                    MembershipPrice.objects.filter(pk=old.pk).update(active=False)
            for old in retired:
                MembershipPrice.objects.filter(pk=old.pk).update(active=False)
            MembershipPrice.objects.bulk_create([row for _old, row in changed_rows])
    except IntegrityError:
        raise ConflictError("Another tier has this position.", code="tier_position_taken") from None
    for old, row in changed_rows:
        if old is not None:
            with calling_stripe("price deactivate"):
                client().v1.prices.update(old.stripe_price_id, params={"active": False})
            _move_members_to_price(old=old, new=row)
    for old in retired:
        with calling_stripe("price deactivate"):
            client().v1.prices.update(old.stripe_price_id, params={"active": False})
    tier.refresh_from_db()
    return tier


def _move_members_to_price(*, old: MembershipPrice, new: MembershipPrice) -> None:
    """Members on ``old`` pay ``new`` from their next renewal (no proration), and hear of it now."""
    from notifications.services import notify

    for membership in Membership.objects.filter(price=old, status__in=LIVE_STATUSES, kind=Membership.Kind.PAID):
        if membership.stripe_subscription_id:
            with calling_stripe("subscription price change"):
                remote = client().v1.subscriptions.retrieve(membership.stripe_subscription_id)
                client().v1.subscriptions.update(
                    membership.stripe_subscription_id,
                    params={
                        "items": [{"id": remote["items"].data[0].id, "price": new.stripe_price_id}],
                        "proration_behavior": "none",
                    },
                    options={"idempotency_key": f"membership:{membership.pk}:price:{new.pk}"},
                )
        Membership.objects.filter(pk=membership.pk).update(price=new)
        notify(
            recipient=membership.viewer,
            kind="membership_price_change",
            actor=membership.creator,
            target=membership.tier,
            data={
                "membership_id": str(membership.pk),
                "old_price": format_amount(old.amount, old.currency),
                "new_price": format_amount(new.amount, new.currency),
                "from": membership.current_period_end.isoformat() if membership.current_period_end else None,
            },
            idempotency_key=f"membership_price_change:{membership.pk}:{new.pk}",
        )


def _own_tier(*, tier: MembershipTier, by) -> None:
    if by is None or tier.creator_id != by.pk:
        raise NotFoundError("No such tier.", code="tier_not_found")


def tier_archive(*, tier: MembershipTier, by) -> MembershipTier:
    """No new members; the members it has keep it until they leave."""
    _own_tier(tier=tier, by=by)
    if tier.archived_at is None:
        with calling_stripe("product archive"):
            client().v1.products.update(tier.stripe_product_id, params={"active": False})
        MembershipTier.objects.filter(pk=tier.pk, archived_at__isnull=True).update(archived_at=timezone.now())
        tier.refresh_from_db()
    return tier


# -- joining ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class JoinResult:
    membership: Membership
    requires_action: bool
    client_secret: str | None


def _price_of(tier: MembershipTier, *, currency: Any, interval: Any) -> MembershipPrice:
    currency = str(currency or "").lower()
    if currency not in supported_currencies():
        raise MembershipInvalidError(
            f"Fanfare does not charge in {currency.upper() or 'that currency'}.", code="currency_unsupported"
        )
    if interval not in MembershipPrice.Interval.values:
        raise MembershipInvalidError("The interval is month or year.", code="interval_invalid")
    price = MembershipPrice.objects.filter(tier=tier, currency=currency, interval=interval, active=True).first()
    if price is None:
        raise MembershipInvalidError(
            f"This tier has no {interval}ly price in {currency.upper()}.", code="price_unavailable"
        )
    return price


def _check_joinable(*, viewer, tier: MembershipTier) -> None:
    from accounts.standing import in_good_standing_q

    if tier.archived_at is not None:
        raise ConflictError("This tier is archived and takes no new members.", code="tier_archived")
    if tier.creator_id == viewer.pk:
        raise MembershipInvalidError("You cannot join your own tiers.", code="membership_own_tier")
    if not get_user_model().objects.filter(in_good_standing_q(""), pk=tier.creator_id).exists():
        raise ConflictError("This creator takes no new members now.", code="creator_unavailable")


def _existing(viewer, creator_id) -> Membership | None:
    return Membership.objects.filter(viewer=viewer, creator_id=creator_id, status__in=LIVE_STATUSES).first()


def membership_join(
    *,
    viewer,
    tier: MembershipTier,
    currency: str,
    interval: str = "month",
    payment_method_id: str = "",
    return_url: str | None = None,
) -> JoinResult:
    """Join ``tier`` with a saved card (the default, or ``payment_method_id``) or a new one
    (``pm_...`` from Stripe.js, saved to the viewer). The tier's trial applies once per viewer per
    creator. 3-D Secure: ``requires_action`` with the client secret of the first invoice's
    PaymentIntent; the membership becomes active when it succeeds (``invoice.paid``).

    Errors: 409 ``membership_exists`` (a live membership of this creator, also when two joins
    race), ``tier_archived``; 400 ``currency_unsupported``, ``price_unavailable``,
    ``interval_invalid``, ``membership_own_tier``, ``payment_method_required``; 402 declines.
    """
    _check_joinable(viewer=viewer, tier=tier)
    price = _price_of(tier, currency=currency, interval=interval)
    if _existing(viewer, tier.creator_id) is not None:
        raise ConflictError("You are already a member of this creator.", code="membership_exists")
    customer = customer_get_or_create(user=viewer)
    pm_id = _payment_method_for_join(customer=customer, payment_method_id=payment_method_id)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                viewer=viewer, creator_id=tier.creator_id, tier=tier, price=price, status=M.INCOMPLETE
            )
            trial = False
            if tier.trial_days:
                with transaction.atomic():
                    try:
                        MembershipTrial.objects.create(viewer=viewer, creator_id=tier.creator_id, membership=membership)
                        trial = True
                    except IntegrityError:
                        trial = False
    except IntegrityError:
        raise ConflictError("You are already a member of this creator.", code="membership_exists") from None
    try:
        params: dict[str, Any] = {
            "customer": customer.stripe_customer_id,
            "items": [{"price": price.stripe_price_id}],
            "payment_behavior": "error_if_incomplete",
            "metadata": {
                "fanfare_membership_id": str(membership.pk),
                "fanfare_creator_id": str(tier.creator_id),
                "fanfare_viewer_id": str(viewer.pk),
            },
            "expand": ["latest_invoice"],
        }
        if pm_id:
            params["default_payment_method"] = pm_id
        if trial:
            params["trial_period_days"] = tier.trial_days
        if return_url:
            params["return_url"] = return_url
        with calling_stripe("subscription create"):
            remote = client().v1.subscriptions.create(
                params=params, options={"idempotency_key": f"membership:{membership.pk}:subscribe"}
            )
    except ApplicationError:
        _join_failed(membership, trial=trial)
        raise
    membership = membership_sync(subscription=remote)
    client_secret = None
    invoice = remote.latest_invoice
    if invoice is not None and not isinstance(invoice, str):
        if invoice.status == "paid" and invoice.amount_paid:
            membership_invoice_paid(invoice_id=invoice.id)
        elif invoice.status == "open" and invoice.confirmation_secret:
            client_secret = invoice.confirmation_secret.client_secret
    membership.refresh_from_db()
    if membership.status in {M.ACTIVE, M.TRIALING}:
        _notify_new_member(membership)
    return JoinResult(membership=membership, requires_action=client_secret is not None, client_secret=client_secret)


def _join_failed(membership: Membership, *, trial: bool) -> None:
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(status=M.ENDED, ended_at=timezone.now())
        if trial:
            MembershipTrial.objects.filter(membership=membership).delete()


def _payment_method_for_join(*, customer, payment_method_id: str) -> str:
    if not payment_method_id:
        if not customer.default_payment_method_id:
            raise MembershipInvalidError("Add a card first, or give one.", code="payment_method_required")
        return customer.default_payment_method_id
    if payment_method_id.startswith("pm_"):
        # A new card is attached to the viewer (a card already theirs is attached again: no change).
        with calling_stripe("payment method attach"):
            pm = client().v1.payment_methods.attach(payment_method_id, params={"customer": customer.stripe_customer_id})
        if pm.customer != customer.stripe_customer_id:
            raise NotFoundError("No such payment method.", code="payment_method_not_found")
        return pm.id
    raise NotFoundError("No such payment method.", code="payment_method_not_found")


def _notify_new_member(membership: Membership) -> None:
    from notifications.services import notify

    notify(
        recipient=membership.creator,
        kind="subscription",
        actor=membership.viewer,
        target=membership.tier,
        data={"membership_id": str(membership.pk), "tier": membership.tier.name},
        idempotency_key=f"new_member:{membership.pk}",
    )


# -- the member's changes ---------------------------------------------------------------------
def _own_membership(*, membership_id: Any, by) -> Membership:
    membership = (
        Membership.objects.select_related("tier", "price", "creator")
        .filter(pk=membership_id, viewer_id=getattr(by, "pk", None))
        .first()
    )
    if membership is None:
        raise NotFoundError("No such membership.", code="membership_not_found")
    return membership


def _subscription(membership: Membership) -> Any:
    with calling_stripe("subscription retrieve"):
        return client().v1.subscriptions.retrieve(membership.stripe_subscription_id)


def membership_change_tier(*, membership_id: Any, by, tier: MembershipTier, interval: str | None = None) -> Membership:
    """Upgrade (the difference for the rest of the period is charged now) or downgrade (credited
    to the next renewal). 409 ``membership_not_active``, ``tier_archived``, ``tier_unchanged``."""
    membership = _own_membership(membership_id=membership_id, by=by)
    if membership.status not in {M.ACTIVE, M.TRIALING} or membership.kind != Membership.Kind.PAID:
        raise ConflictError("Only an active paid membership can change tier.", code="membership_not_active")
    if tier.creator_id != membership.creator_id:
        raise NotFoundError("No such tier.", code="tier_not_found")
    if tier.archived_at is not None:
        raise ConflictError("This tier is archived and takes no new members.", code="tier_archived")
    price = _price_of(tier, currency=membership.price.currency, interval=interval or membership.price.interval)
    if price.pk == membership.price_id:
        raise ConflictError("You are already on this tier.", code="tier_unchanged")
    upgrade = price.amount * _per_year(price) > membership.price.amount * _per_year(membership.price)
    remote = _subscription(membership)
    with calling_stripe("subscription change"):
        updated = client().v1.subscriptions.update(
            membership.stripe_subscription_id,
            params={
                "items": [{"id": remote["items"].data[0].id, "price": price.stripe_price_id}],
                "proration_behavior": "always_invoice" if upgrade else "create_prorations",
                "payment_behavior": "error_if_incomplete",
                "expand": ["latest_invoice"],
            },
            options={"idempotency_key": f"membership:{membership.pk}:change:{price.pk}"},
        )
    Membership.objects.filter(pk=membership.pk).update(tier=tier, price=price)
    membership = membership_sync(subscription=updated)
    invoice = updated.latest_invoice
    if invoice is not None and not isinstance(invoice, str) and invoice.status == "paid" and invoice.amount_paid:
        membership_invoice_paid(invoice_id=invoice.id)
    return membership


def _per_year(price: MembershipPrice) -> int:
    return 12 if price.interval == "month" else 1


def membership_retry_payment(*, membership_id: Any, by, payment_method_id: str = "") -> JoinResult:
    """Pay a failed renewal now (a ``past_due`` membership in its grace period) with the
    membership's card (say, once the bank lifted a block), or a saved or new one (``pm_...``,
    attached to the member and made the subscription's card for the next renewals): Stripe's
    ``invoices/<id>/pay`` on the open invoice, on session.
    Paid: the membership is active again and the payment posted as any renewal. The bank wants
    3-D Secure: ``requires_action`` with the invoice PaymentIntent's client secret (``invoice.paid``
    ends it). 404 ``membership_not_found`` (another's), 409 ``membership_not_past_due``,
    ``no_open_invoice``; 402 declines (still ``past_due``)."""
    membership = _own_membership(membership_id=membership_id, by=by)
    if membership.status != M.PAST_DUE or not membership.stripe_subscription_id:
        raise ConflictError("Only a membership whose renewal failed can be paid again.", code="membership_not_past_due")
    pm_id = None
    if payment_method_id:
        pm_id = _payment_method_for_join(customer=customer_get_or_create(user=by), payment_method_id=payment_method_id)
    with calling_stripe("subscription retrieve"):
        remote = client().v1.subscriptions.retrieve(
            membership.stripe_subscription_id, params={"expand": ["latest_invoice"]}
        )
    invoice = remote.latest_invoice
    if invoice is None or isinstance(invoice, str) or invoice.status != "open":
        raise ConflictError("There is no unpaid renewal to pay.", code="no_open_invoice")
    if pm_id:
        with calling_stripe("subscription update"):
            client().v1.subscriptions.update(
                membership.stripe_subscription_id,
                params={"default_payment_method": pm_id},
                options={"idempotency_key": f"membership:{membership.pk}:card:{pm_id}"},
            )
    try:
        with calling_stripe("invoice pay"):
            client().v1.invoices.pay(
                invoice.id,
                # The member is here: on session (3-D Secure may be asked). No card: the subscription's.
                params={"off_session": False, **({"payment_method": pm_id} if pm_id else {})},
                options={"idempotency_key": f"membership:{membership.pk}:retry:{invoice.id}:{invoice.attempt_count}"},
            )
    except PaymentDeclinedError:
        with calling_stripe("invoice retrieve"):
            again = client().v1.invoices.retrieve(invoice.id, params={"expand": ["payments"]})
        intent_ids = [r.payment.payment_intent for r in again.payments.data if r.payment.type == "payment_intent"]
        if intent_ids:
            with calling_stripe("payment intent retrieve"):
                intent = client().v1.payment_intents.retrieve(intent_ids[0])
            if intent.status == "requires_action":
                return JoinResult(membership=membership, requires_action=True, client_secret=intent.client_secret)
        raise
    membership_invoice_paid(invoice_id=invoice.id)
    with calling_stripe("subscription retrieve"):
        membership = membership_sync(subscription=client().v1.subscriptions.retrieve(membership.stripe_subscription_id))
    return JoinResult(membership=membership, requires_action=False, client_secret=None)


def membership_cancel(*, membership_id: Any, by) -> Membership:
    """Cancel at the end of the period (access until then). A gift ends now."""
    membership = _own_membership(membership_id=membership_id, by=by)
    if membership.status in _FINAL:
        raise ConflictError("This membership has ended.", code="membership_ended")
    if membership.kind != Membership.Kind.PAID:
        Membership.objects.filter(pk=membership.pk).update(status=M.CANCELED, ended_at=timezone.now())
        membership.refresh_from_db()
        return membership
    with calling_stripe("subscription cancel at period end"):
        updated = client().v1.subscriptions.update(
            membership.stripe_subscription_id, params={"cancel_at_period_end": True}
        )
    return membership_sync(subscription=updated)


def membership_resume(*, membership_id: Any, by) -> Membership:
    """Undo a cancel before the period ends. 409 ``membership_ended``, ``membership_not_canceling``."""
    membership = _own_membership(membership_id=membership_id, by=by)
    if membership.status in _FINAL:
        raise ConflictError("This membership has ended; join again.", code="membership_ended")
    if not membership.cancel_at_period_end:
        raise ConflictError("This membership is not set to end.", code="membership_not_canceling")
    with calling_stripe("subscription resume"):
        updated = client().v1.subscriptions.update(
            membership.stripe_subscription_id, params={"cancel_at_period_end": False}
        )
    return membership_sync(subscription=updated)


# -- gifts ------------------------------------------------------------------------------------
def membership_gift(*, creator, viewer, tier: MembershipTier, kind: str = "gift", months: int | None = 1) -> Membership:
    """A free membership the creator grants (``gift`` for ``months``, ``comp`` without end when
    ``months`` is None). Nothing is charged and nothing is posted to the ledger."""
    _own_tier(tier=tier, by=creator)
    if kind not in {Membership.Kind.GIFT, Membership.Kind.COMP}:
        raise MembershipInvalidError("A free membership is a gift or a comp.", code="gift_kind_invalid")
    if months is not None and (not isinstance(months, int) or not 1 <= months <= 24):
        raise MembershipInvalidError("A gift lasts 1 to 24 months.", code="gift_months_invalid")
    if tier.archived_at is not None:
        raise ConflictError("This tier is archived and takes no new members.", code="tier_archived")
    if viewer.pk == creator.pk:
        raise MembershipInvalidError("You cannot gift yourself a membership.", code="membership_own_tier")
    now = timezone.now()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                viewer=viewer,
                creator=creator,
                tier=tier,
                kind=kind,
                status=M.ACTIVE,
                current_period_start=now,
                current_period_end=now + timedelta(days=30 * months) if months else None,
                granted_by=creator,
            )
    except IntegrityError:
        raise ConflictError("This viewer is already a member.", code="membership_exists") from None
    from notifications.services import notify

    notify(
        recipient=viewer,
        kind="membership_renewed",
        actor=creator,
        target=tier,
        data={"membership_id": str(membership.pk), "gift": True},
        idempotency_key=f"membership_gift:{membership.pk}",
    )
    return membership


# -- following Stripe -------------------------------------------------------------------------
def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _get(obj: Any, key: str, default: Any = None) -> Any:
    try:
        value = obj[key]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def membership_sync(*, subscription: Any) -> Membership | None:
    """Make the membership of ``subscription`` (a Stripe object or its dict) say what Stripe says.
    None when the subscription is not one of Fanfare's memberships."""
    metadata = dict(_get(subscription, "metadata", {}) or {})
    sub_id = _get(subscription, "id")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(stripe_subscription_id=sub_id).first()
            or Membership.objects.select_for_update().filter(pk=metadata.get("fanfare_membership_id") or None).first()
        )
        if membership is None:
            return None
        items = _get(_get(subscription, "items", {}), "data", [])
        item = items[0] if items else None
        status = _STATUS_FROM_STRIPE.get(_get(subscription, "status"), membership.status)
        if membership.status in _FINAL:
            status = membership.status  # final: a late event cannot bring it back
        if membership.paused_by_moderation and status in {M.ACTIVE, M.TRIALING, M.PAST_DUE}:
            status = M.PAUSED  # paused by moderation until the creator's suspension is lifted
        if status == M.PAST_DUE and membership.past_due_since is None:
            membership.past_due_since = timezone.now()
        if status in {M.ACTIVE, M.TRIALING}:
            membership.past_due_since = None
        if status in _FINAL and membership.ended_at is None:
            membership.ended_at = _ts(_get(subscription, "ended_at")) or timezone.now()
        if item is not None:
            membership.current_period_start = _ts(_get(item, "current_period_start"))
            membership.current_period_end = _ts(_get(item, "current_period_end"))
            price_id = _get(_get(item, "price", {}), "id")
            price = MembershipPrice.objects.select_related("tier").filter(stripe_price_id=price_id).first()
            if price is not None and price.pk != membership.price_id:
                membership.price, membership.tier = price, price.tier
        membership.status = status
        membership.cancel_at_period_end = bool(_get(subscription, "cancel_at_period_end", False))
        membership.stripe_subscription_id = sub_id
        membership.save()
    return membership


def _subscription_of_invoice(invoice: Any) -> str | None:
    parent = _get(invoice, "parent", {}) or {}
    details = _get(parent, "subscription_details", {}) or {}
    return _get(details, "subscription") or _get(invoice, "subscription")


def membership_invoice_paid(*, invoice_id: str) -> Payment | None:
    """A paid invoice of a membership: its Payment (purpose ``membership``), synced from its
    PaymentIntent, which posts the capture entry. Idempotent (the Payment's key is
    ``invoice:<id>``). None for a 0 invoice (a trial) or an invoice that is not a membership's."""
    with calling_stripe("invoice retrieve"):
        invoice = client().v1.invoices.retrieve(invoice_id, params={"expand": ["payments"]})
    sub_id = _subscription_of_invoice(invoice)
    membership = Membership.objects.select_related("price").filter(stripe_subscription_id=sub_id).first()
    if membership is None or invoice.status != "paid" or not invoice.amount_paid:
        return None
    intent_id = None
    for record in invoice.payments.data:
        if record.status == "paid" and record.payment.type == "payment_intent":
            intent_id = record.payment.payment_intent
    if intent_id is None:
        return None
    key = f"invoice:{invoice.id}"
    payment = Payment.objects.filter(idempotency_key=key).first()
    if payment is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    payer_id=membership.viewer_id,
                    beneficiary_id=membership.creator_id,
                    purpose=Payment.Purpose.MEMBERSHIP,
                    purpose_ref=str(membership.pk),
                    description=f"Membership: {membership.tier.name} ({invoice.billing_reason})"[:255],
                    amount=invoice.amount_paid,
                    currency=invoice.currency,
                    idempotency_key=key,
                    stripe_payment_intent_id=intent_id,
                )
        except IntegrityError:
            payment = Payment.objects.get(stripe_payment_intent_id=intent_id)
    return payment_sync(payment_intent_id=intent_id)


def invoice_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """``invoice.paid``: the payment and its entry; the membership active again; a renewal told.
    ``invoice.payment_failed``: a renewal that failed starts the grace period (the member is told)."""
    from notifications.services import notify

    sub_id = _subscription_of_invoice(obj)
    membership = (
        Membership.objects.select_related("tier", "viewer", "creator").filter(stripe_subscription_id=sub_id).first()
    )
    if membership is None:
        return
    reason = obj.get("billing_reason")
    if event_type == "invoice.paid":
        membership_invoice_paid(invoice_id=obj["id"])
        with calling_stripe("subscription retrieve"):
            membership_sync(subscription=client().v1.subscriptions.retrieve(sub_id))
        if reason == "subscription_cycle":
            notify(
                recipient=membership.viewer,
                kind="membership_renewed",
                actor=membership.creator,
                target=membership.tier,
                data={
                    "membership_id": str(membership.pk),
                    "amount": format_amount(obj["amount_paid"], obj["currency"]),
                },
                idempotency_key=f"membership_renewed:{obj['id']}",
            )
        elif reason == "subscription_create" and obj.get("amount_paid"):
            membership.refresh_from_db()
            if membership.status == M.ACTIVE:
                _notify_new_member(membership)
    elif event_type == "invoice.payment_failed" and reason == "subscription_cycle":
        with calling_stripe("subscription retrieve"):
            membership = membership_sync(subscription=client().v1.subscriptions.retrieve(sub_id))
        grace_ends = (membership.past_due_since or timezone.now()) + timedelta(
            days=settings.BILLING_MEMBERSHIP_GRACE_DAYS
        )
        notify(
            recipient=membership.viewer,
            kind="membership_renewal_failed",
            actor=membership.creator,
            target=membership.tier,
            data={"membership_id": str(membership.pk), "grace_ends": grace_ends.isoformat()},
            idempotency_key=f"membership_failed:{obj['id']}:{obj.get('attempt_count', 0)}",
        )


def subscription_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """``customer.subscription.*``: follow Stripe's current subscription (re-read, so an old event
    delivered late cannot move the membership back)."""
    if not Membership.objects.filter(
        Q(stripe_subscription_id=obj.get("id")) | Q(pk=(obj.get("metadata") or {}).get("fanfare_membership_id") or None)
    ).exists():
        return
    with calling_stripe("subscription retrieve"):
        membership_sync(subscription=client().v1.subscriptions.retrieve(obj["id"]))


# -- the sweep (beat) -------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    ended_after_grace: int
    gifts_ended: int
    ending_notices: int
    incomplete_expired: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "ended_after_grace": self.ended_after_grace,
            "gifts_ended": self.gifts_ended,
            "ending_notices": self.ending_notices,
            "incomplete_expired": self.incomplete_expired,
        }


def memberships_sweep(*, now: datetime | None = None, dry_run: bool = False) -> SweepResult:
    """End paid memberships whose failed renewal is older than the grace period (their Stripe
    subscription is cancelled), gifts that ran out, and joins left ``incomplete`` (3-D Secure
    never completed) for 23 hours, as Stripe expires their subscription (``incomplete_expired``);
    tell members whose membership ends soon."""
    from notifications.services import notify

    now = now or timezone.now()
    grace = timedelta(days=settings.BILLING_MEMBERSHIP_GRACE_DAYS)
    overdue = list(Membership.objects.filter(status=M.PAST_DUE, past_due_since__lte=now - grace))
    gifts = list(
        Membership.objects.filter(
            kind__in=[Membership.Kind.GIFT, Membership.Kind.COMP], status=M.ACTIVE, current_period_end__lte=now
        )
    )
    notice = now + timedelta(days=settings.BILLING_MEMBERSHIP_ENDING_NOTICE_DAYS)
    ending = list(
        Membership.objects.filter(
            Q(cancel_at_period_end=True) | Q(kind__in=[Membership.Kind.GIFT, Membership.Kind.COMP]),
            status__in=[M.ACTIVE, M.TRIALING],
            current_period_end__gt=now,
            current_period_end__lte=notice,
        ).select_related("viewer", "creator", "tier")
    )
    ending = [m for m in ending if m.ending_notified_for != m.current_period_end]
    stale = list(Membership.objects.filter(status=M.INCOMPLETE, created_at__lte=now - INCOMPLETE_EXPIRES_AFTER))
    if dry_run:
        return SweepResult(len(overdue), len(gifts), len(ending), len(stale))
    for membership in stale:
        _incomplete_expire(membership, now=now)
    for membership in overdue:
        if membership.stripe_subscription_id:
            with calling_stripe("subscription cancel"):
                remote = client().v1.subscriptions.retrieve(membership.stripe_subscription_id)
                if remote.status != "canceled":
                    client().v1.subscriptions.cancel(
                        membership.stripe_subscription_id,
                        options={"idempotency_key": f"membership:{membership.pk}:grace-over"},
                    )
        Membership.objects.filter(pk=membership.pk, status=M.PAST_DUE).update(status=M.ENDED, ended_at=now)
    for membership in gifts:
        Membership.objects.filter(pk=membership.pk, status=M.ACTIVE).update(status=M.ENDED, ended_at=now)
    for membership in ending:
        notify(
            recipient=membership.viewer,
            kind="membership_ending",
            actor=membership.creator,
            target=membership.tier,
            data={"membership_id": str(membership.pk), "ends_at": membership.current_period_end.isoformat()},
            idempotency_key=f"membership_ending:{membership.pk}:{membership.current_period_end.isoformat()}",
        )
        Membership.objects.filter(pk=membership.pk).update(ending_notified_for=membership.current_period_end)
    return SweepResult(len(overdue), len(gifts), len(ending), len(stale))


def _incomplete_expire(membership: Membership, *, now: datetime) -> None:
    """A join left ``incomplete`` for 23 hours ends (``ended``; the viewer may join again). Its
    Stripe subscription is read (Stripe has expired it: ``incomplete_expired``); one Stripe still
    holds as ``incomplete`` (clocks apart, or a webhook lost) is cancelled, so that a late 3-D
    Secure can no longer charge for a membership Fanfare has ended."""
    if membership.stripe_subscription_id:
        with calling_stripe("subscription retrieve"):
            remote = client().v1.subscriptions.retrieve(membership.stripe_subscription_id)
            if remote.status == "incomplete":
                remote = client().v1.subscriptions.cancel(
                    membership.stripe_subscription_id,
                    options={"idempotency_key": f"membership:{membership.pk}:incomplete-expired"},
                )
        membership_sync(subscription=remote)
    Membership.objects.filter(pk=membership.pk, status__in=[M.INCOMPLETE, M.CANCELED]).update(
        status=M.ENDED, ended_at=now
    )
