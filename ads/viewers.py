"""Who is asking for an ad, from a request (or from the feed and the player): ``Viewer``."""

from __future__ import annotations

from typing import Any

from django.db import connection

from ads import traffic
from ads.services.decisions import Viewer


def _language(user, meta: dict) -> str:
    if user is not None and user.is_authenticated and user.locale:
        return user.locale.split("-")[0].lower()[:3]
    header = meta.get("HTTP_ACCEPT_LANGUAGE") or ""
    return header.split(",")[0].split(";")[0].split("-")[0].strip().lower()[:3]


def viewer_from_request(*, user, meta: dict, placement: str, video_id: Any = None, stream_id: Any = None) -> Viewer:
    """The Viewer for a decision: address, country, device from the request; what the viewer
    shared; the content's creator, tags and whether it may carry ads."""
    ip = traffic.client_ip(meta)
    ua = meta.get("HTTP_USER_AGENT") or ""
    agent = traffic.agent_of(ua)
    country = traffic.country_of(meta, ip)
    viewer = Viewer(
        placement=placement,
        viewer_key=traffic.viewer_key(user=user, ip=ip, user_agent=ua),
        user=user if user is not None and user.is_authenticated else None,
        country=country,
        region=traffic.region_of(meta, country),
        language=_language(user, meta),
        device=agent.device,
        os=agent.os,
        browser=agent.browser,
    )
    # What a signed-in viewer shared and whom they blocked is read when a decision first needs it
    # (``viewer_profile_load``): a placement no campaign may show in needs none of it.
    viewer.profile_pending = viewer.user is not None
    if video_id:
        content_of_video(viewer, video_id)
    elif stream_id:
        content_of_stream(viewer, stream_id)
    return viewer


def viewer_profile_load(viewer: Viewer) -> None:
    """Fill in what the signed-in viewer shared and whom they blocked, in one statement (once)."""
    if not viewer.profile_pending:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.birth_year, p.gender, p.interests, "
            "ARRAY(SELECT b.advertiser_id FROM ads_advertiserblock b WHERE b.user_id = %(user)s) "
            "FROM (SELECT 1) AS one LEFT JOIN ads_vieweradprofile p ON p.user_id = %(user)s",
            {"user": viewer.user.pk},
        )
        birth_year, gender, interests, blocked = cursor.fetchone()
    viewer.birth_year, viewer.gender, viewer.interests = birth_year, gender or "", list(interests or [])
    viewer.blocked_advertisers = set(blocked)
    viewer.profile_pending = False


def content_of_video(viewer: Viewer, video_id: Any) -> None:
    from content.models import Video

    video = (
        Video.objects.filter(pk=video_id).only("owner_id", "monetized", "visibility", "minimum_tier", "tags").first()
    )
    if video is None:
        viewer.monetized = False
        return
    viewer.creator_id = video.owner_id
    viewer.monetized = video.monetized
    viewer.members_only = video.visibility == Video.Visibility.SUBSCRIBERS or video.minimum_tier is not None
    viewer.content_tags = [tag.lstrip("#").lower() for tag in video.tags]


def content_of_stream(viewer: Viewer, stream_id: Any) -> None:
    """The stream's creator and tags; no ads when the creator turned ``monetized`` off or the
    stream is for members (subscribers only, or with a minimum tier)."""
    from streaming.models import LiveStream

    if isinstance(stream_id, LiveStream):
        stream = stream_id
    else:
        stream = (
            LiveStream.objects.filter(pk=stream_id)
            .only("owner_id", "visibility", "minimum_tier", "monetized", "tags")
            .first()
        )
    if stream is None:
        viewer.monetized = False
        return
    viewer.creator_id = stream.owner_id
    viewer.monetized = stream.monetized
    viewer.members_only = stream.visibility == LiveStream.Visibility.SUBSCRIBERS or stream.minimum_tier is not None
    viewer.content_tags = [tag.lstrip("#").lower() for tag in stream.tags]
