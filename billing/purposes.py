"""What a payment is for, and who hears about it.

The app that owns a purpose (memberships in billing, tips in streaming, ad top-ups in ads)
registers a handler in its ``AppConfig.ready()``::

    from billing import purposes

    purposes.register(Payment.Purpose.TIP, TipPaymentHandler())

Billing calls the handler's methods inside the transaction that changes the payment (so the
owner's rows change in the same commit as the payment and its ledger entry). Each method is
called once per change of the payment's status; a handler may implement any of them:

- ``succeeded(*, payment)``: the money arrived (the capture entry is posted).
- ``failed(*, payment)``: the card was declined or authentication failed.
- ``canceled(*, payment)``
- ``refunded(*, payment, amount)``: ``amount`` more was refunded (``payment.amount_refunded`` is the total).
- ``disputed(*, payment, dispute)``: a chargeback was opened.
- ``dispute_closed(*, payment, dispute, won)``

How the money of a purpose is split in the ledger is billing's rule (MONEY.md), not the
handler's: ``billing.services.payments.capture_lines``.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

_handlers: dict[str, Any] = {}


def register(purpose: str, handler: Any) -> None:
    """Register the handler of ``purpose`` (one per purpose; registering again replaces it)."""
    _handlers[str(purpose)] = handler


def handler_of(purpose: str) -> Any:
    """The handler registered for ``purpose`` (None if none): tests that swap it put it back."""
    return _handlers.get(str(purpose))


def unregister(purpose: str) -> None:
    _handlers.pop(str(purpose), None)


def notify(purpose: str, hook: str, **kwargs: Any) -> None:
    """Call ``hook`` of the purpose's handler, if it has one. Errors propagate (the change rolls back)."""
    handler = _handlers.get(str(purpose))
    method = getattr(handler, hook, None)
    if method is not None:
        method(**kwargs)
