"""Who sent an event: anonymised address, country, device and browser, bots (docs/ads.md).

- Bots and crawlers: ``crawlerdetect`` (a maintained list of user-agent patterns).
- Device, OS and browser: ``ua-parser`` (Browserscope's rules, ``ua-parser-builtins``).
- Country: the CDN's header (``VIEWER_COUNTRY_HEADER``), else ``iptocc`` (offline, no lookups).
- Addresses are stored anonymised: the last octet of IPv4 and all but /48 of IPv6 zeroed.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings


@dataclass(frozen=True)
class Agent:
    os: str
    browser: str
    device: str
    bot: bool


_detector = None


def _crawler_detect():
    global _detector
    if _detector is None:
        from crawlerdetect import CrawlerDetect

        _detector = CrawlerDetect()
    return _detector


@lru_cache(maxsize=4096)
def agent_of(user_agent: str) -> Agent:
    from ua_parser import parse

    ua = (user_agent or "")[:512]
    bot = not ua or _crawler_detect().isCrawler(ua)
    result = parse(ua)
    os_family = (result.os.family if result.os else "Other")[:40]
    browser = (result.user_agent.family if result.user_agent else "Other")[:40]
    device_family = result.device.family if result.device else "Other"
    if "iPad" in device_family or "Tablet" in device_family:
        device = "tablet"
    elif os_family in {"iOS", "Android"}:
        device = "mobile"
    elif os_family in {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora"}:
        device = "desktop"
    else:
        device = "other"
    if result.device and result.device.family == "Spider":
        bot = True
    return Agent(os=os_family, browser=browser, device=device, bot=bot)


def anonymise_ip(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


@lru_cache(maxsize=16)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def is_internal(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.ADS_INTERNAL_NETWORKS)))


def client_ip(meta: dict) -> str:
    return meta.get("REMOTE_ADDR") or ""


def country_of(meta: dict, ip: str) -> str:
    header = "HTTP_" + settings.VIEWER_COUNTRY_HEADER.upper().replace("-", "_")
    value = (meta.get(header) or "").strip().upper()
    if len(value) == 2 and value.isalpha():
        return value
    try:
        import iptocc

        found = iptocc.country_code(ip) if ip else None
    except ValueError:
        found = None
    return (found or "").upper()[:2]


def region_of(meta: dict, country: str) -> str:
    header = "HTTP_" + settings.ADS_REGION_HEADER.upper().replace("-", "_")
    value = (meta.get(header) or "").strip().upper()
    return f"{country}-{value}"[:6] if country and value and value.isalnum() else ""


def viewer_key(*, user, ip: str, user_agent: str) -> str:
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    digest = hashlib.sha256(f"{anonymise_ip(ip)}|{user_agent}".encode()).hexdigest()[:20]
    return f"anon:{digest}"
