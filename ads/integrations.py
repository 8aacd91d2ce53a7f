"""Ads served inside other apps' responses: the home feed's slots, a video's pre-roll and the ad
beside a live stream.

Registered in ``AdsConfig.ready()`` with the hooks social, content and streaming keep
(``social.sponsored``, ``content.preroll``, ``streaming.sponsored``), so none imports ads.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def home_feed_slots(*, request: Any, items: list[Any]) -> list[dict[str, Any]]:
    """One decision per slot: after every ``ADS_FEED_SLOT_EVERY`` items of the page."""
    from ads.api.views import decision_payload
    from ads.services.decisions import decision_make
    from ads.viewers import viewer_from_request

    every = settings.ADS_FEED_SLOT_EVERY
    if every <= 0 or len(items) < every:
        return []
    viewer = viewer_from_request(user=request.user, meta=request.META, placement="feed")
    slots = []
    for position in range(every, len(items) + 1, every):
        decision = decision_make(viewer=viewer)
        if decision.ad is None:
            break  # nothing eligible now; the next slot would find nothing either
        payload = decision_payload(request, decision, staff=False)
        slots.append({"position": position, **payload})
    return slots


def video_preroll(*, request: Any, video: Any) -> dict[str, Any] | None:
    """A pre-roll decision for ``video`` (its creator's opt-out and members-only rules apply)."""
    from ads.api.views import decision_payload
    from ads.services.decisions import decision_make
    from ads.viewers import viewer_from_request

    viewer = viewer_from_request(user=request.user, meta=request.META, placement="preroll", video_id=video.pk)
    decision = decision_make(viewer=viewer)
    if decision.ad is None:
        return None
    return decision_payload(request, decision, staff=False)


def stream_side(*, request: Any, stream: Any) -> dict[str, Any] | None:
    """A ``stream_side`` decision beside a live stream (members-only streams and a creator's
    opt-out get none; the creator's share of the spend is posted as for videos)."""
    from ads.api.views import decision_payload
    from ads.services.decisions import decision_make
    from ads.viewers import viewer_from_request

    viewer = viewer_from_request(user=request.user, meta=request.META, placement="stream_side", stream_id=stream)
    decision = decision_make(viewer=viewer)
    if decision.ad is None:
        return None
    return decision_payload(request, decision, staff=False)
