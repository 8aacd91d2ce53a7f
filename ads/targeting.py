"""What a campaign may target, and the checks on it (codes are stable; docs/ads.md)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pycountry
from django.conf import settings

from core.errors import ApplicationError

PLACEMENTS = ("feed", "preroll", "stream_chat", "stream_side")
# Which ad formats each placement shows.
PLACEMENT_FORMATS = {
    "feed": {"image", "text"},
    "preroll": {"video"},
    "stream_chat": {"text"},
    "stream_side": {"image", "text"},
}
DEVICES = ("mobile", "tablet", "desktop", "other")
GENDERS = ("female", "male", "nonbinary")
_COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries)


class AdInputError(ApplicationError):
    default_code = "ad_invalid"
    default_message = "This campaign or ad is not valid."


def _bad(message: str, *, code: str, attr: str) -> AdInputError:
    return AdInputError(message, code=code, extra={"attr": attr})


def countries_check(values: list[str]) -> list[str]:
    out = []
    for value in values:
        code = str(value).upper()
        if code not in _COUNTRIES:
            raise _bad(f"{value!r} is not an ISO 3166-1 country code.", code="country_unknown", attr="countries")
        out.append(code)
    return sorted(set(out))


def regions_check(values: list[str]) -> list[str]:
    out = []
    for value in values:
        code = str(value).upper()
        if pycountry.subdivisions.get(code=code) is None:
            raise _bad(f"{value!r} is not an ISO 3166-2 region code.", code="region_unknown", attr="regions")
        out.append(code)
    return sorted(set(out))


def languages_check(values: list[str]) -> list[str]:
    out = []
    for value in values:
        code = str(value).lower()
        if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
            raise _bad(f"{value!r} is not an ISO 639-1 language code.", code="language_unknown", attr="languages")
        out.append(code)
    return sorted(set(out))


def placements_check(values: list[str]) -> list[str]:
    for value in values:
        if value not in PLACEMENTS:
            message = f"Unknown placement {value!r}; one of {', '.join(PLACEMENTS)}."
            raise _bad(message, code="placement_unknown", attr="placements")
    return sorted(set(values))


def choices_check(values: list[str], allowed: tuple[str, ...], attr: str, *, code: str) -> list[str]:
    for value in values:
        if value not in allowed:
            message = f"Unknown {attr[:-1]} {value!r}; one of {', '.join(allowed)}."
            raise AdInputError(message, code=code, extra={"attr": attr})
    return sorted(set(values))


def interests_check(values: list[str]) -> list[str]:
    out = []
    for value in values:
        tag = str(value).lstrip("#").lower()
        if not tag or len(tag) > 100 or not tag.replace("_", "").isalnum():
            raise _bad(f"{value!r} is not a hashtag.", code="interest_invalid", attr="interests")
        out.append(tag)
    return sorted(set(out))


def destination_check(url: str) -> str:
    """http(s) only, with a host, never the platform's own admin."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 2000:
        raise _bad("The destination is an http or https URL.", code="destination_invalid", attr="destination_url")
    own_hosts = {urlsplit(settings.SITE_URL).hostname, *[h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"]}
    path = parts.path.lower()
    if parts.hostname.lower() in own_hosts and (path.startswith("/admin") or path.startswith("/studio")):
        raise _bad(
            "An ad cannot point at the platform's own admin.", code="destination_forbidden", attr="destination_url"
        )
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url
    if address.is_private or address.is_loopback or address.is_link_local:
        raise _bad("An ad cannot point at a private address.", code="destination_forbidden", attr="destination_url")
    return url
