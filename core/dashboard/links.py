"""Where the studio shows an object, by model: apps register from ``AppConfig.ready()`` and pages
that only know a content type and an id (notifications) link to it without importing the app::

    from core.dashboard import links
    links.register(model="content.video", url=lambda object_id: reverse("content_studio:video-edit", args=[object_id]))
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.urls import NoReverseMatch

logger = logging.getLogger(__name__)

_urls: dict[str, Callable[[str], str]] = {}


def register(*, model: str, url: Callable[[str], str]) -> None:
    """``model`` is ``"app_label.model_name"``; ``url(object_id)`` returns the studio page."""
    _urls[model] = url


def studio_url(*, model: str, object_id: str) -> str | None:
    """The studio page of that object, or None when no app shows that model in the studio."""
    build = _urls.get(model)
    if build is None or not object_id:
        return None
    try:
        return build(object_id)
    except NoReverseMatch:  # a malformed id: no link rather than an error page
        logger.warning("no studio link for %s %s", model, object_id)
        return None
