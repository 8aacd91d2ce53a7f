"""Offer tokens: what a decision served, signed, so beacons need no lookup (docs/ads.md).

A token is ``django.core.signing`` over a compact JSON object: the offer id, what was served
(campaign, ad, advertiser, creator whose content it ran on, placement, format, price), who it
was served to (viewer key, user, OS and browser, device, country), and when. Decisions stay
stateless: nothing is stored when an ad is offered. The token is single-use by rule, enforced by
the writer (the first viewable view of an offer bills; later ones are ``token_reused``), and it
expires after ``ADS_OFFER_TTL_SECONDS`` (later events are ``token_expired``).
"""

from __future__ import annotations

import time
from typing import Any

from django.core import signing

from core.errors import ApplicationError, PermissionDeniedError

_SALT = "ads.offer.v1"


class OfferTokenError(ApplicationError):
    default_code = "offer_token_invalid"
    default_message = "This offer token is not valid."


def offer_sign(payload: dict[str, Any]) -> str:
    return signing.dumps({**payload, "t": int(time.time())}, salt=_SALT, compress=True)


def offer_read(token: str) -> dict[str, Any]:
    """The offer in ``token``; 400 ``offer_token_invalid`` when forged, altered or malformed."""
    if not token or not isinstance(token, str) or len(token) > 2000:
        raise OfferTokenError("An offer token is required.", code="offer_token_invalid")
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise OfferTokenError("This offer token is forged or damaged.", code="offer_token_invalid") from None
    if not isinstance(payload, dict) or "o" not in payload:
        raise OfferTokenError("This offer token is forged or damaged.", code="offer_token_invalid")
    return payload


def offer_check_owner(payload: dict[str, Any], *, viewer_key: str) -> None:
    """403 ``offer_token_foreign``: the token was issued to another viewer."""
    if payload.get("k") != viewer_key:
        raise PermissionDeniedError("This offer was made to another viewer.", code="offer_token_foreign")
