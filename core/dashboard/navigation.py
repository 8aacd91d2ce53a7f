"""The studio's navigation. Each app adds its pages from its ``AppConfig.ready()``::

from core.dashboard.navigation import register
register(label="Videos", url_name="content_studio:videos", order=20)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True, order=True)
class NavItem:
    order: int
    label: str
    url_name: str


_items: dict[str, NavItem] = {}


def register(*, label: str, url_name: str, order: int = 100) -> None:
    _items[url_name] = NavItem(order=order, label=label, url_name=url_name)


def items() -> list[NavItem]:
    return sorted(_items.values())


def studio_navigation(request) -> dict:
    """Template context processor: ``studio_nav`` for pages under /studio/."""
    if not request.path.startswith("/studio/"):
        return {}
    nav = []
    for item in items():
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        home = url.rstrip("/").endswith("/studio")
        active = request.path == url if home else request.path.startswith(url)
        nav.append({"label": item.label, "url": url, "active": active})
    return {"studio_nav": nav}


register(label="Home", url_name="studio:home", order=0)
