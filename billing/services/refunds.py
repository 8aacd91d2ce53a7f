"""Refunds, full or partial: by finance staff in the admin (with a reason), or by a service.

The amount is held first, under the payment's row lock, so two refunds racing on one payment can
never add up to more than was paid; then Stripe is asked (idempotency key ``refund:<id>``); then
the payment is synced, which marks the refund succeeded and posts its entry. A refund Stripe
refuses is marked failed and frees its amount.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum

from billing.models import Payment, Refund
from billing.services.payments import payment_sync
from billing.stripe_api import calling_stripe, client
from core.errors import ApplicationError, ConflictError

REFUNDABLE = {Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED}


class RefundInvalidError(ApplicationError):
    default_code = "refund_invalid"
    default_message = "This refund cannot be made."


def refundable_amount(*, payment: Payment) -> int:
    held = (
        Refund.objects.filter(payment=payment, status__in=[Refund.Status.PENDING, Refund.Status.SUCCEEDED]).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    return max(0, payment.amount - max(held, payment.amount_refunded))


def refund_create(*, payment: Payment, amount: int | None = None, reason: str, by=None) -> Refund:
    """Refund ``amount`` (all that is left when None) of ``payment``.

    Errors: ``amount_invalid`` (400), ``refund_exceeds_payment`` and ``payment_not_refundable``
    (409), Stripe's own (503 ``payment_provider_unavailable``, 400 ``payment_provider_rejected``).
    """
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0):
        raise RefundInvalidError("The amount is a positive whole number of minor units.", code="amount_invalid")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status not in REFUNDABLE:
            raise ConflictError(
                f"A {locked.get_status_display().lower()} payment cannot be refunded.", code="payment_not_refundable"
            )
        left = refundable_amount(payment=locked)
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise ConflictError(
                f"Only {left} of this payment can still be refunded.",
                code="refund_exceeds_payment",
                extra={"refundable": left},
            )
        refund = Refund.objects.create(
            payment=locked, amount=amount, currency=locked.currency, reason=reason[:500], requested_by=by
        )
    try:
        with calling_stripe("refund create"):
            client().v1.refunds.create(
                params={
                    "payment_intent": payment.stripe_payment_intent_id,
                    "amount": amount,
                    "reason": "requested_by_customer",
                    "metadata": {"fanfare_refund_id": str(refund.pk), "reason": reason[:450]},
                },
                options={"idempotency_key": f"refund:{refund.pk}"},
            )
    except ApplicationError as error:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, failure_reason=error.message[:255]
        )
        raise
    payment_sync(payment_intent_id=payment.stripe_payment_intent_id)
    refund.refresh_from_db()
    return refund
