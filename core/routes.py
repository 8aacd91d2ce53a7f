"""``reverse()`` of the media routes (``.../<uuid:pk>/media/<path:name>``) without its per-call cost.

A list page names several media files per item (a video's manifests, poster and sprite; a live
stream's playlist), and ``reverse()`` costs tens of microseconds a call: it walks the route's
possibilities, substitutes, checks the result against the route's regex and quotes it. For one
route the text around the two arguments never changes (only with the URLconf and the script
prefix), so :func:`media_path` reverses it once per (route, URLconf, script prefix) with
sentinel arguments, keeps the text before and between them, and then builds each path as
``reverse()`` does: ``str()`` of the UUID (the uuid converter's ``to_url``), the name as it is
(the path converter's), the whole quoted with the same safe characters (``quote`` works
character by character, so quoting the pieces equals quoting the whole). What ``reverse()``
would refuse or treat differently (a pk that is not a UUID, an empty name, a line break) goes
to ``reverse()`` itself. Held to ``reverse()`` by tests/core/test_routes.py.

What is kept is the route's text, never data: nothing to invalidate but the URLconf and the
prefix, which are part of the key.
"""

from __future__ import annotations

import threading
import uuid
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

_SAFE = RFC3986_SUBDELIMS + "/~:@"
_SENTINEL_PK = uuid.UUID(int=0)
_SENTINEL_NAME = "n"
_templates: dict[tuple, tuple[str, str]] = {}
_lock = threading.Lock()


def _template(route: str) -> tuple[str, str]:
    key = (route, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    found = _templates.get(key)
    if found is None:
        path = reverse(route, args=[_SENTINEL_PK, _SENTINEL_NAME])
        head, _, tail = path.partition(str(_SENTINEL_PK))
        if not tail.endswith(_SENTINEL_NAME) or _SENTINEL_NAME in head:
            raise ValueError(f"{route} is not a <uuid:pk>...<path:name> route: {path!r}")
        found = (head, tail[: -len(_SENTINEL_NAME)])
        with _lock:
            _templates[key] = found
    return found


def media_path(route: str, pk: uuid.UUID, name: str) -> str:
    """``reverse(route, args=[pk, name])`` for a route whose arguments are ``<uuid:pk>`` then
    ``<path:name>`` (the name last)."""
    if type(pk) is not uuid.UUID or not name or "\n" in name or "\r" in name:
        return reverse(route, args=[pk, name])
    head, middle = _template(route)
    return f"{head}{pk}{middle}{quote(name, safe=_SAFE)}"
