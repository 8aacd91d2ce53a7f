"""Pending work on the admin index: what moderators, finance and operators should do next.

Each app registers a provider from its ``AppConfig.ready()``; core imports none of them::

    from core import admin_pending
    admin_pending.register(key="appeals", provider=pending_appeals, order=20)

A provider is called with the request and returns a ``PendingWork`` (or None to show nothing,
e.g. when the staff member may not see that model). ``count`` is the number waiting; ``url``
leads to the admin list that shows exactly those rows. Today: pending appeals (accounts),
failed video processing (content), live streams (streaming), announcements still sending
(notifications). Reports and cases (moderation), payouts and disputes (billing) and ad reviews
(ads) are meant to register theirs the same way. A provider that raises is logged and left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingWork:
    key: str
    label: str
    count: int
    url: str
    help: str = ""
    urgent: bool = False  # shown first and highlighted when count > 0


_providers: dict[str, tuple[int, Callable[..., PendingWork | None]]] = {}


def register(*, key: str, provider: Callable[..., PendingWork | None], order: int = 100) -> None:
    """``provider(request) -> PendingWork | None``."""
    _providers[key] = (order, provider)


def pending_work(request) -> list[PendingWork]:
    items = []
    for key, (_order, provider) in sorted(_providers.items(), key=lambda item: (item[1][0], item[0])):
        try:
            item = provider(request)
        except Exception:
            logger.exception("admin pending work: %s failed", key)
            continue
        if item is not None:
            items.append(item)
    return items


def changelist_url(model, query: str = "") -> str:
    """The admin list of ``model``, with ``query`` (``status__exact=pending``)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{query}" if query else url


def may_view(request, model) -> bool:
    return request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
