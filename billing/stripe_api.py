"""The one way billing talks to Stripe (or the local peer): a configured client and error mapping.

Every call that creates something passes an idempotency key derived from the domain operation's
id, so a retried request or task cannot charge, refund or transfer twice. Stripe's failures
become Fanfare's errors here, once:

- the network or Stripe itself failing -> 503 ``payment_provider_unavailable``;
- a card the bank declines -> 402 with Stripe's decline code (``card_declined``,
  ``insufficient_funds``, ``expired_card`` ...);
- anything else Stripe refuses -> 400 ``payment_provider_rejected`` (logged with Stripe's message).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import stripe
from django.conf import settings
from rest_framework import status

from core.errors import ApplicationError, ServiceUnavailableError

logger = logging.getLogger(__name__)


class PaymentProviderUnavailableError(ServiceUnavailableError):
    default_code = "payment_provider_unavailable"
    default_message = "The payment provider is not answering. Nothing was charged; try again shortly."


class PaymentDeclinedError(ApplicationError):
    """402 with Stripe's decline code: one of ``other_codes`` (the error catalogue lists them)."""

    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_code = "card_declined"
    default_message = "The card was declined."
    other_codes: frozenset[str] = frozenset()  # DECLINE_CODES, set below

    @classmethod
    def for_decline_code(cls, decline_code: str, message: str | None = None) -> PaymentDeclinedError:
        """The error for one of Stripe's decline codes; any code not in ``other_codes`` is card_declined."""
        return cls(message, code=decline_code if decline_code in cls.other_codes else cls.default_code)


class PaymentProviderRejectedError(ApplicationError):
    default_code = "payment_provider_rejected"
    default_message = "The payment provider refused the request."


# Stripe's decline codes Fanfare passes on as error codes (the others become card_declined).
DECLINE_CODES = frozenset(
    {
        "card_declined",
        "insufficient_funds",
        "expired_card",
        "incorrect_cvc",
        "incorrect_number",
        "lost_card",
        "stolen_card",
        "processing_error",
        "authentication_required",
        "card_velocity_exceeded",
        "do_not_honor",
        "fraudulent",
    }
)
PaymentDeclinedError.other_codes = DECLINE_CODES


def decline_code_of(error: stripe.CardError) -> str:
    detail = error.error
    for candidate in (getattr(detail, "decline_code", None), error.code):
        if candidate in DECLINE_CODES:
            return candidate
    return "card_declined"


@functools.cache
def _client(api_key: str, api_base: str | None, timeout: int, retries: int) -> stripe.StripeClient:
    kwargs = {"base_addresses": {"api": api_base}} if api_base else {}
    return stripe.StripeClient(
        api_key,
        stripe_version=stripe.api_version,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
        **kwargs,
    )


_api_base_override: ContextVar[str | None] = ContextVar("stripe_api_base_override", default=None)


@contextmanager
def api_base_override(url: str) -> Iterator[None]:
    """Talk to another Stripe API host for a while (seed_demo's own short-lived peer)."""
    token = _api_base_override.set(url)
    previous, stripe.api_base = stripe.api_base, url
    try:
        yield
    finally:
        stripe.api_base = previous
        _api_base_override.reset(token)


def client() -> stripe.StripeClient:
    """A StripeClient for the configured account (or the local peer when no key is set)."""
    return _client(
        settings.STRIPE_SECRET_KEY,
        _api_base_override.get() or settings.STRIPE_API_BASE or None,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


class StripeData(dict):
    """One JSON object of Stripe's answer (``stripe_get``): a plain dict whose keys also read as
    attributes (``intent.latest_charge``, ``getattr(error, "decline_code", None)``), as billing reads
    stripe-python's ``StripeObject``; a missing key is an ``AttributeError``, as there."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict[str, Any]:
        """A plain copy, nested objects and lists copied too (what ``StripeObject.to_dict()`` gives)."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def stripe_get(path: str, *, stripe_account: str | None = None, **params: Any) -> StripeData:
    """GET ``path`` (``/v1/...``) of Stripe's API with ``params`` (``expand=[...]``), the JSON answer as
    ``StripeData`` dicts, without building stripe-python's ``StripeObject`` tree (about half of a read's
    CPU for an expanded PaymentIntent) nor converting it back to dicts for dj-stripe's mirror.

    The request is stripe-python's own (``StripeClient.raw_request`` of ``client()``): the same URL and
    query encoding, headers (the key, ``Stripe-Version``, ``Stripe-Account`` for a connected account),
    base URL (``STRIPE_API_BASE`` or ``api_base_override``), HTTP client and its kept-alive sessions,
    timeout and retries; and the same exceptions (``APIConnectionError``, ``InvalidRequestError`` for a
    404 ...), so ``calling_stripe`` maps them as for any other call."""
    if stripe_account:
        params["stripe_account"] = stripe_account
    # raw_request raises Stripe's error for an error status or a body that is not JSON
    return json.loads(client().raw_request("get", path, **params).body, object_hook=StripeData)


@contextmanager
def calling_stripe(action: str) -> Iterator[None]:
    """Translate Stripe's exceptions into Fanfare's errors (see the module docstring)."""
    try:
        yield
    except stripe.CardError as error:
        raise PaymentDeclinedError.for_decline_code(decline_code_of(error), error.user_message) from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        logger.warning("stripe unreachable during %s: %s", action, error)
        raise PaymentProviderUnavailableError() from error
    except stripe.APIError as error:
        logger.warning("stripe failed during %s: %s", action, error)
        raise PaymentProviderUnavailableError() from error
    except stripe.StripeError as error:
        logger.warning("stripe refused %s: %s (%s)", action, error.user_message, error.code)
        raise PaymentProviderRejectedError(
            error.user_message or PaymentProviderRejectedError.default_message
        ) from error
