"""Template context for studio pages: the inbox link, its unread count and the live socket."""

from __future__ import annotations

from django.urls import reverse

from notifications import selectors


def studio_inbox(request) -> dict:
    """``studio_inbox`` on pages under /studio/ for a signed-in user (one COUNT query)."""
    user = getattr(request, "user", None)
    if not request.path.startswith("/studio/") or user is None or not user.is_authenticated:
        return {}
    return {
        "studio_inbox": {
            "url": reverse("notifications_studio:inbox"),
            "unread": selectors.unread_count(user=user),
            "socket": "/ws/notifications/",
        }
    }
