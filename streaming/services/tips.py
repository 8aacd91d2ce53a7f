"""Live tips: a viewer pays, and only once the payment succeeded does the chat show it, highlighted.

``tip_create`` (the REST endpoint and the chat socket's ``tip`` message) checks the tip, writes a
``StreamTip`` and takes the money through ``billing.services.payments.payment_create`` (purpose
``tip``, idempotency key ``tip:<tip id>``). Billing calls :class:`TipPaymentHandler` (registered in
``StreamingConfig.ready()``) inside the transaction that changes the payment: ``succeeded`` shows
the tip (a ``tip`` chat line and event, pinned for ``pin_seconds_for(amount)``), notifies the
streamer and the control room; ``refunded``/``disputed`` mark it reversed (``tip_reversed``).
The ledger is billing's: the capture entry credits the creator's pending earnings, a refund or
dispute reverses it (docs/billing.md).

Pin time (``PIN_TABLE``), in multiples of the currency's minimum tip (``STREAMING_TIP_LIMITS``):

| tip | pinned for |
|---|---|
| 1x to under 5x the minimum | 15 s |
| 5x to under 10x | 60 s |
| 10x to under 20x | 2 min |
| 20x to under 50x | 5 min |
| 50x and more | 10 min |
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.errors import ApplicationError, ConflictError
from streaming.models import LiveStream, StreamChat, StreamTip
from streaming.services.chat import MAX_LENGTH, _check_standing, blocked_word_in, broadcast

logger = logging.getLogger(__name__)

# (multiple of the minimum, seconds pinned), highest first.
PIN_TABLE = [(50, 600), (20, 300), (10, 120), (5, 60), (1, 15)]
TIP_EVENTS_GROUP = "streaming.tips.{stream_id}"


class TipError(ApplicationError):
    default_code = "tip_invalid"
    default_message = "This tip cannot be sent."


def tip_limits(currency: str) -> tuple[int, int]:
    """(minimum, maximum) of a tip in ``currency``, minor units."""
    from billing.money import STRIPE_MAX_AMOUNT, minimum_amount

    low, high = settings.STREAMING_TIP_LIMITS.get(currency, (minimum_amount(currency) * 2, STRIPE_MAX_AMOUNT))
    return max(low, minimum_amount(currency)), min(high, STRIPE_MAX_AMOUNT)


def tip_presets(currency: str) -> list[int]:
    low, high = tip_limits(currency)
    presets = settings.STREAMING_TIP_PRESETS.get(currency) or [low * 2, low * 5, low * 10, low * 20]
    return [amount for amount in presets if low <= amount <= high]


def tip_settings() -> dict[str, Any]:
    """What clients show: per currency, the limits, presets and the pin table."""
    from billing.money import supported_currencies

    return {
        "currencies": {
            currency: {
                "minimum": tip_limits(currency)[0],
                "maximum": tip_limits(currency)[1],
                "presets": tip_presets(currency),
            }
            for currency in sorted(supported_currencies())
        },
        "message_max_length": MAX_LENGTH,
        "pin_table": [{"at_least_minimum_times": times, "seconds": seconds} for times, seconds in PIN_TABLE],
    }


def pin_seconds_for(amount: int, currency: str) -> int:
    minimum = tip_limits(currency)[0]
    for times, seconds in PIN_TABLE:
        if amount >= times * minimum:
            return seconds
    return PIN_TABLE[-1][1]


@dataclass(frozen=True)
class TipOutcome:
    tip: StreamTip
    client_secret: str | None = None  # for 3-D Secure (status requires_action)


def _validate(*, stream: LiveStream, user: Any, amount: Any, currency: Any, message: Any, anonymous: Any) -> tuple:
    from billing.money import supported_currencies

    _check_standing(stream=stream, user=user)  # the chat's codes (ChatError, 400): not_allowed, banned, timed_out
    if user.pk == stream.owner_id:
        raise TipError("You cannot tip your own stream.", code="tip_own_stream")
    if stream.status == LiveStream.Status.ENDED:
        raise ConflictError("The stream has ended.", code="stream_ended")
    if stream.status != LiveStream.Status.LIVE:
        raise ConflictError("Tips are for live streams.", code="stream_not_live")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise TipError("The amount is a positive whole number of minor units.", code="amount_invalid")
    currency = str(currency or "").lower()
    if currency not in supported_currencies():
        raise TipError("Tips cannot be made in that currency.", code="currency_unsupported")
    low, high = tip_limits(currency)
    if not low <= amount <= high:
        from billing.money import format_amount

        limits = {"currency": currency, "minimum": low, "maximum": high}  # minor units, for clients
        if amount < low:
            message = f"The smallest tip is {format_amount(low, currency)}."
            raise TipError(message, code="tip_below_minimum", extra=limits)
        raise TipError(f"The largest tip is {format_amount(high, currency)}.", code="tip_above_maximum", extra=limits)
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise TipError("The message is text.", code="invalid")
    message = message.strip()
    if len(message) > MAX_LENGTH:
        raise TipError(f"A tip's message is at most {MAX_LENGTH} characters.", code="too_long")
    if message and blocked_word_in(message, stream.blocked_words):
        raise TipError("The message contains a word the streamer blocked.", code="blocked_word")
    if not isinstance(anonymous, bool):
        raise TipError('"anonymous" is true or false.', code="invalid")
    return currency, message


def _payment_method_for(user, payment_method: Any) -> str:
    if payment_method:
        if not isinstance(payment_method, str):
            raise TipError('"payment_method" is a payment method id.', code="invalid")
        return payment_method
    from billing.models import BillingCustomer

    saved = BillingCustomer.objects.filter(user=user).values_list("default_payment_method_id", flat=True).first()
    if not saved:
        raise TipError("Choose a card (or save one) to tip.", code="payment_method_required")
    return saved


def tip_create(
    *,
    stream: LiveStream,
    user: Any,
    amount: Any,
    currency: Any,
    message: Any = "",
    anonymous: Any = False,
    payment_method: Any = None,
    client_key: Any = "",
) -> TipOutcome:
    """Tip ``stream`` as ``user``. Returns the tip ``succeeded`` (shown in the chat) or
    ``requires_action`` (with the client secret for 3-D Secure; shown once the webhook says it
    succeeded). Raises: 400 ``tip_own_stream``, ``amount_invalid``, ``currency_unsupported``,
    ``tip_below_minimum``, ``tip_above_maximum``, ``too_long``, ``blocked_word``, ``invalid``,
    ``payment_method_required`` and the chat's standing codes; 409 ``stream_ended``,
    ``stream_not_live``; 402 with the card's decline code; 503 ``payment_provider_unavailable``.
    ``client_key`` (the client's idempotency key) makes a retried request return the same tip.
    """
    from billing.models import Payment
    from billing.services.payments import payment_client_secret, payment_create

    currency, message = _validate(
        stream=stream, user=user, amount=amount, currency=currency, message=message, anonymous=anonymous
    )
    client_key = str(client_key or "")[:100]
    if client_key:
        existing = StreamTip.objects.filter(tipper=user, client_key=client_key).select_related("payment").first()
        if existing is not None:
            return _outcome(existing)
    pm = _payment_method_for(user, payment_method)
    try:
        tip = StreamTip.objects.create(
            stream=stream,
            tipper=user,
            amount=amount,
            currency=currency,
            message=message,
            anonymous=anonymous,
            client_key=client_key,
        )
    except IntegrityError:
        return _outcome(StreamTip.objects.get(tipper=user, client_key=client_key))
    payment = payment_create(
        payer=user,
        beneficiary=stream.owner,
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency=currency,
        idempotency_key=f"tip:{tip.pk}",
        purpose_ref=str(tip.pk),
        description=f"Tip on {stream.title}"[:255],
        payment_method_id=pm,
    )  # a decline raises PaymentDeclinedError (402) after the handler marked the tip failed
    tip.refresh_from_db()
    if payment.status == Payment.Status.REQUIRES_ACTION:
        with transaction.atomic():
            StreamTip.objects.filter(pk=tip.pk, status=StreamTip.Status.PENDING).update(
                status=StreamTip.Status.REQUIRES_ACTION, payment=payment, updated_at=timezone.now()
            )
        tip.refresh_from_db()
        return TipOutcome(tip=tip, client_secret=payment_client_secret(payment=payment))
    return TipOutcome(tip=tip)


def _outcome(tip: StreamTip) -> TipOutcome:
    if tip.status == StreamTip.Status.REQUIRES_ACTION and tip.payment is not None:
        from billing.services.payments import payment_client_secret

        return TipOutcome(tip=tip, client_secret=payment_client_secret(payment=tip.payment))
    return TipOutcome(tip=tip)


def tip_payload(tip: StreamTip, *, for_owner: bool = False) -> dict[str, Any]:
    """A tip as clients see it; the tipper is hidden when anonymous, except from the streamer."""
    from billing.money import format_amount

    tipper = tip.tipper
    show = tipper is not None and (for_owner or not tip.anonymous)
    return {
        "id": str(tip.pk),
        "stream_id": str(tip.stream_id),
        "amount": tip.amount,
        "currency": tip.currency,
        "amount_display": format_amount(tip.amount, tip.currency),
        "message": tip.message,
        "anonymous": tip.anonymous,
        "status": tip.status,
        "failure_code": tip.failure_code,
        "pin_seconds": tip.pin_seconds,
        "highlighted_at": tip.highlighted_at.isoformat() if tip.highlighted_at else None,
        "reversed_at": tip.reversed_at.isoformat() if tip.reversed_at else None,
        "message_id": str(tip.chat_message_id) if tip.chat_message_id else None,
        "tipper": {"id": str(tipper.pk), "handle": tipper.handle, "display_name": tipper.display_name}
        if show
        else None,
        "created_at": tip.created_at.isoformat(),
    }


def _control_room_send(tip: StreamTip, event: str) -> None:
    """The control room's own event (with the tipper, even when anonymous), to the owner's sockets."""
    from core import side_effects
    from streaming.selectors.chat import event_text
    from streaming.services.chat import user_group

    side_effects.group_send(
        user_group(tip.stream.owner_id),
        {
            "type": "chat.event",
            "text": event_text(
                event, tip=tip_payload(tip, for_owner=True), totals=stream_tip_totals(stream=tip.stream)
            ),
        },
    )


# -- billing's purpose handler ----------------------------------------------------------------
class TipPaymentHandler:
    """Billing calls these inside the transaction that changes a tip's payment."""

    def _tip(self, payment) -> StreamTip | None:
        if not payment.purpose_ref:
            return None  # a tip payment made outside streaming (billing's own tests, the demo)
        tip = (
            StreamTip.objects.select_for_update(of=("self",))
            .select_related("stream", "tipper")
            .filter(pk=payment.purpose_ref)
            .first()
        )
        if tip is None:
            logger.warning("tip payment %s names no tip (%r)", payment.pk, payment.purpose_ref)
        return tip

    def succeeded(self, *, payment) -> None:
        from notifications.services import notify
        from streaming.services.chat import chat_tip_publish

        tip = self._tip(payment)
        if tip is None or tip.status in {StreamTip.Status.SUCCEEDED, StreamTip.Status.REFUNDED}:
            return
        now = timezone.now()
        tip.payment, tip.status, tip.failure_code = payment, StreamTip.Status.SUCCEEDED, ""
        tip.highlighted_at, tip.pin_seconds = now, pin_seconds_for(tip.amount, tip.currency)
        from billing.money import format_amount

        line = chat_tip_publish(
            stream=tip.stream,
            sender=None if tip.anonymous else tip.tipper,
            text=tip.message,
            amount_minor=tip.amount,
            currency=tip.currency,
            donation_id=tip.pk,
            extra={
                "tip_id": str(tip.pk),
                "amount_display": format_amount(tip.amount, tip.currency),
                "pin_seconds": tip.pin_seconds,
                "highlighted": True,
                "anonymous": tip.anonymous,
                "reversed": False,
            },
        )
        tip.chat_message = line
        tip.save()
        _control_room_send(tip, "tip_received")
        if tip.tipper is not None:
            notify(
                recipient=tip.stream.owner,
                kind="tip",
                actor=tip.tipper,
                target=tip.stream,
                data={
                    "tip_id": str(tip.pk),
                    "stream_id": str(tip.stream_id),
                    "amount": tip.amount,
                    "currency": tip.currency,
                    "amount_display": format_amount(tip.amount, tip.currency),
                    "message": tip.message[:200],
                },
                idempotency_key=f"tip:{tip.pk}",
            )

    def failed(self, *, payment) -> None:
        tip = self._tip(payment)
        if tip is None or tip.status == StreamTip.Status.SUCCEEDED:
            return
        tip.payment, tip.status, tip.failure_code = payment, StreamTip.Status.FAILED, payment.failure_code or "failed"
        tip.save()

    canceled = failed

    def _reverse(self, payment, status: str) -> None:
        tip = self._tip(payment)
        if tip is None:
            return
        tip.status, tip.reversed_at = status, tip.reversed_at or timezone.now()
        tip.save()
        if tip.chat_message_id:
            line = StreamChat.all_objects.filter(pk=tip.chat_message_id).first()
            if line is not None:
                line.payload = {**line.payload, "reversed": True, "highlighted": False, "reversed_reason": status}
                line.save(update_fields=["payload", "updated_at"])
        broadcast(
            tip.stream_id,
            "tip_reversed",
            tip_id=str(tip.pk),
            message_id=str(tip.chat_message_id) if tip.chat_message_id else None,
            reason=status,
        )
        _control_room_send(tip, "tip_reversed")

    def refunded(self, *, payment, amount) -> None:
        if payment.amount_refunded >= payment.amount:
            self._reverse(payment, StreamTip.Status.REFUNDED)

    def disputed(self, *, payment, dispute) -> None:
        self._reverse(payment, StreamTip.Status.DISPUTED)

    def dispute_closed(self, *, payment, dispute, won) -> None:
        tip = self._tip(payment)
        if tip is None or not won or tip.status != StreamTip.Status.DISPUTED:
            return
        tip.status, tip.reversed_at = StreamTip.Status.SUCCEEDED, None
        tip.save()
        if tip.chat_message_id:
            line = StreamChat.all_objects.filter(pk=tip.chat_message_id).first()
            if line is not None:
                line.payload = {**line.payload, "reversed": False, "reversed_reason": ""}
                line.save(update_fields=["payload", "updated_at"])


@transaction.atomic
def tips_of_tipper_anonymise(*, user: Any) -> int:
    """Account purge: every tip ``user`` sent (any stream, any status) keeps its row, amount,
    currency, status and payment, so the stream's totals, the ledger and billing's records add
    up, but loses its message and tipper and counts as anonymous from then on (the message leaves
    the streamer's tip notifications too). Its chat line is
    blanked and hidden as the account's other lines are (``chat_lines_of_sender_redact``), the
    anonymous ones included (those have no sender, so that step cannot find them); a pin on it is
    lifted. Returns the number of tips; running it twice changes nothing more."""
    from notifications.models import Notification
    from streaming.services.chat import PURGED_REASON

    tips = StreamTip.objects.filter(tipper=user)
    now = timezone.now()
    # The streamer's "tip received" notifications quoted the message: it goes there too.
    tip_ids = [str(pk) for pk in tips.values_list("pk", flat=True)]
    if tip_ids:
        Notification.all_objects.filter(kind="tip", data__tip_id__in=tip_ids, data__has_key="message").update(
            data=RawSQL("data - 'message'", []), updated_at=now
        )
    line_ids = list(tips.filter(chat_message__isnull=False).values_list("chat_message_id", flat=True))
    if line_ids:
        lines = StreamChat.all_objects.filter(pk__in=line_ids)
        LiveStream.all_objects.filter(pinned_message__in=line_ids).update(pinned_message=None, updated_at=now)
        lines.filter(deleted_at__isnull=True).update(deleted_at=now, deleted_reason=PURGED_REASON)
        lines.update(sender=None, text="", mentions=[], updated_at=now)
    return tips.update(tipper=None, message="", anonymous=True, client_key="", updated_at=now)


# -- reads ------------------------------------------------------------------------------------
COUNTED = (StreamTip.Status.SUCCEEDED,)


def stream_tip_totals(*, stream: LiveStream, top: int = 5) -> dict[str, Any]:
    """Paid tips of a stream (refunded and disputed ones left out): totals per currency, count,
    and the top tippers by total per currency. A tipper's anonymous tips make their own row
    without a name (``anonymous: true``, no user), so they rank without saying whose they are;
    tips of purged accounts (no tipper left) make one such row per currency. The same for
    everyone: the live ``metrics`` events reach the whole room."""
    rows = StreamTip.objects.filter(stream=stream, status__in=COUNTED)
    totals = {r["currency"]: r["total"] for r in rows.values("currency").annotate(total=Sum("amount")).order_by()}
    count = rows.count()
    tippers = (
        rows.values("tipper_id", "tipper__handle", "tipper__display_name", "anonymous", "currency")
        .annotate(total=Sum("amount"), tips=Count("id"))
        .order_by("-total", "anonymous", "tipper_id")[:top]
    )

    def row(r: dict[str, Any]) -> dict[str, Any]:
        hidden = r["anonymous"] or r["tipper_id"] is None
        return {
            "user_id": None if hidden else str(r["tipper_id"]),
            "handle": None if hidden else r["tipper__handle"],
            "display_name": None if hidden else r["tipper__display_name"],
            "anonymous": hidden,
            "currency": r["currency"],
            "total": r["total"],
            "tips": r["tips"],
        }

    return {"count": count, "totals": totals, "top_tippers": [row(r) for r in tippers]}


def stream_tips_recent(*, stream: LiveStream, limit: int = 50) -> list[StreamTip]:
    """The control room's list: paid and reversed tips, newest first."""
    shown = [StreamTip.Status.SUCCEEDED, StreamTip.Status.REFUNDED, StreamTip.Status.DISPUTED]
    return list(
        StreamTip.objects.filter(stream=stream, status__in=shown).select_related("tipper").order_by("-id")[:limit]
    )
