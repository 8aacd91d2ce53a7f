"""View and click beacons: checked for what needs no lookup, then buffered (docs/ads.md).

Forged or altered tokens answer 400 ``offer_token_invalid``, another viewer's 403
``offer_token_foreign``; neither is recorded. Everything else is buffered as it came and the
writer decides what it was worth (viewability, invalid traffic, once per offer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils import timezone

from ads import traffic
from ads.buffer import event_buffer
from ads.offers import offer_check_owner, offer_read
from ads.targeting import AdInputError
from core.errors import NotFoundError
from core.ids import uuid7


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str
    country: str
    user: Any = None

    @property
    def viewer_key(self) -> str:
        return traffic.viewer_key(user=self.user, ip=self.ip, user_agent=self.user_agent)

    def fields(self) -> dict[str, Any]:
        signed_in = self.user is not None and self.user.is_authenticated
        return {
            "ip": traffic.anonymise_ip(self.ip),
            "in": traffic.is_internal(self.ip) or bool(signed_in and self.user.is_staff),
            "ua": self.user_agent[:512],
            "cc": self.country,
            "u": str(self.user.pk) if signed_in else None,
            "at": timezone.now().isoformat(),
        }


def view_record(*, token: str, visible_ratio: Any, visible_ms: Any, client: Client) -> None:
    """Buffer a view beacon: the share of the ad's pixels in view and for how long, continuously."""
    if isinstance(visible_ratio, bool) or not isinstance(visible_ratio, int | float) or not 0 <= visible_ratio <= 1:
        raise AdInputError(
            "visible_ratio is between 0 and 1.", code="visible_ratio_invalid", extra={"attr": "visible_ratio"}
        )
    if isinstance(visible_ms, bool) or not isinstance(visible_ms, int) or not 0 <= visible_ms <= 86_400_000:
        raise AdInputError(
            "visible_ms is a whole number of milliseconds.", code="visible_ms_invalid", extra={"attr": "visible_ms"}
        )
    offer = offer_read(token)
    offer_check_owner(offer, viewer_key=client.viewer_key)
    event_buffer().append("view", {"offer": offer, "r": float(visible_ratio), "ms": visible_ms, **client.fields()})


def click_record(*, token: str, client: Client) -> str:
    """Buffer a click and return where to send the viewer (the ad's destination, with the click id)."""
    from ads.models import Ad

    offer = offer_read(token)
    offer_check_owner(offer, viewer_key=client.viewer_key)
    ad = Ad.objects.filter(pk=offer["a"]).only("destination_url").first()
    if ad is None:
        raise NotFoundError("This ad is gone.", code="ad_not_found")
    click_id = uuid7()
    event_buffer().append("click", {"offer": offer, "id": str(click_id), **client.fields()})
    parts = urlsplit(ad.destination_url)
    query = urlencode([*parse_qsl(parts.query), ("fanfare_click_id", str(click_id))])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
