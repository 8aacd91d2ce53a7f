"""Reads of videos: who may see and play what, listings, search, renditions, analytics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import BooleanField, F, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from accounts.selectors import account_hidden_from, users_in_good_standing_q
from billing.selectors import members_only_error, viewer_has_tier
from content import relations
from content.models import Rendition, Video, VideoCountryDailyStat, VideoDailyStat
from core.compiled import SAMPLES, CompiledQuery
from core.errors import NotFoundError, UnavailableForLegalReasonsError
from core.pagination import CompiledPages, PageSource


def _is_owner(*, video: Video, user: User | None) -> bool:
    return user is not None and user.is_authenticated and video.owner_id == user.pk


def _is_moderator(*, user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_perm("content.moderate_videos")


def video_is_published(*, video: Video, now: dt.datetime | None = None) -> bool:
    """Public by visibility and time: public, or scheduled and past publish_at."""
    now = now or timezone.now()
    return video.visibility == Video.Visibility.PUBLIC or (
        video.visibility == Video.Visibility.SCHEDULED and video.publish_at is not None and video.publish_at <= now
    )


def video_is_playable(*, video: Video) -> bool:
    """Ready, or still processing with at least one rendition (the lowest first) ready."""
    return bool(video.master_playlist) and video.status in {Video.Status.READY, Video.Status.PROCESSING}


def video_get_for_viewer(*, video_id: Any, user: User | None, country: str = "") -> Video:
    """The video, if ``user`` in ``country`` may see its page.

    Raises 404 ``not_found`` (deleted, removed by moderation, draft or unprocessed, private,
    scheduled for later, its owner suspended or banned now), 403 ``members_only`` (with the tier
    needed) and 451 ``geo_restricted``. The owner sees every state of their own video except
    deletion, and is never geo-restricted; so are moderators.
    """
    # The row with its owner and upload, by a statement compiled once (``core.compiled``; the id
    # prepared by the key field as ``filter(pk=...)`` would, so a malformed id fails the same way).
    video = next(VIDEO_BY_ID(pk=Video._meta.pk.to_python(video_id)), None)
    if video is None:
        raise NotFoundError("No such video.")
    if _is_owner(video=video, user=user):
        # The owner's answer lists the renditions (processing progress); nobody else's does.
        prefetch_related_objects([video], Prefetch("renditions", queryset=Rendition.objects.order_by("height")))
        return video
    if _is_moderator(user=user):
        return video
    if video.moderation_status == Video.Moderation.REMOVED or not video_is_playable(video=video):
        raise NotFoundError("No such video.")
    if account_hidden_from(owner=video.owner, viewer=user):
        raise NotFoundError("No such video.")
    if relations.is_blocked_between(user=user, other_id=video.owner_id):
        raise NotFoundError("No such video.")
    if video.visibility == Video.Visibility.PRIVATE:
        raise NotFoundError("No such video.")
    if video.visibility == Video.Visibility.SCHEDULED and not video_is_published(video=video):
        raise NotFoundError("No such video.")
    if video.visibility == Video.Visibility.SUBSCRIBERS and not viewer_has_tier(
        viewer=user, creator_id=video.owner_id, minimum_tier=video.minimum_tier
    ):
        raise members_only_error(creator_id=video.owner_id, minimum_tier=video.minimum_tier)
    country = (country or "").upper()
    if (video.geo_allow and country not in video.geo_allow) or (video.geo_deny and country in video.geo_deny):
        raise UnavailableForLegalReasonsError("This video is not available in your country.", code="geo_restricted")
    return video


def _video_by_id(*, pk) -> QuerySet[Video]:
    # At most one row by primary key, so no ORDER BY (``first()`` would add one, and an ordered
    # query makes Django hash every selected column of the joined models).
    table = Video._meta.db_table
    return Video.objects.select_related(
        "owner", "upload"
    ).filter(
        RawSQL(f'"{table}"."id" = %s', [pk], output_field=BooleanField())  # noqa: S611 (the table from the model; the id a parameter)
    )[:1]


VIDEO_BY_ID = CompiledQuery(_video_by_id, "pk", prepare=True)


def video_get_for_playback(*, video_id: Any, user: User | None, country: str = "") -> Video:
    """As :func:`video_get_for_viewer`, and also 404 while nothing is playable, and for anyone but
    moderators (the owner too) once moderation removed the video."""
    video = video_get_for_viewer(video_id=video_id, user=user, country=country)
    removed = video.moderation_status == Video.Moderation.REMOVED and not _is_moderator(user=user)
    if removed or not video_is_playable(video=video):
        raise NotFoundError("No such video.")
    return video


def _listable(now: dt.datetime) -> Q:
    return (
        Q(moderation_status=Video.Moderation.VISIBLE)
        & ~Q(master_playlist="")
        & Q(status__in=[Video.Status.READY, Video.Status.PROCESSING])
        & (Q(visibility=Video.Visibility.PUBLIC) | Q(visibility=Video.Visibility.SCHEDULED, publish_at__lte=now))
    )


def videos_visible_q(*, user: User | None, now: dt.datetime | None = None) -> Q:
    """Videos ``user`` may find in listings: published, playable, visible, by an owner neither
    suspended nor banned, and no block either way between ``user`` and the owner (the social
    graph's answer through content.relations). ``now`` is the time of the call unless given."""
    now = now or timezone.now()
    return (
        _listable(now)
        & relations.not_blocked_q(user=user, ref="owner_id")
        & users_in_good_standing_q(prefix="owner__", now=now)
    )


def video_list_public(
    *, owner_id: Any | None = None, tag: str | None = None, user: User | None = None
) -> QuerySet[Video]:
    """Published, playable, visible videos, newest first; by creator or tag when given. Videos of
    users with a block either way with ``user`` are left out."""
    videos = Video.objects.filter(videos_visible_q(user=user)).select_related("owner")
    if owner_id is not None:
        videos = videos.filter(owner_id=owner_id)
    if tag:
        videos = videos.filter(tags__contains=[tag.strip().lower().lstrip("#")])
    return videos.order_by("-id")


class _Viewer:
    """A signed-in viewer by id alone: what ``videos_visible_q`` reads of a user."""

    is_authenticated = True

    def __init__(self, pk) -> None:
        self.pk = pk


def _public_pages_build(shape, *, now, user_id=None, owner_id=None, tag=None) -> QuerySet[Video]:
    user = _Viewer(user_id) if user_id is not None else None
    videos = Video.objects.filter(videos_visible_q(user=user, now=now)).select_related("owner")
    if owner_id is not None:
        videos = videos.filter(owner_id=owner_id)
    if tag is not None:
        videos = videos.filter(tags__contains=[tag])
    return videos


_PUBLIC_PAGES = CompiledPages(_public_pages_build, model=Video, samples=SAMPLES)


def video_page_public(*, owner_id: Any | None = None, tag: str | None = None, user: User | None = None) -> PageSource:
    """:func:`video_list_public` as a page source for the cursor paginator (``core.pagination``):
    the same rows, read by a statement compiled once per shape (signed in or not, by owner, by
    tag, the cursor's direction) instead of a queryset built and compiled per request."""
    values: dict[str, Any] = {"now": timezone.now()}
    if user is not None and user.is_authenticated:
        values["user_id"] = user.pk
    if owner_id is not None:
        # Prepared as ``filter(owner_id=...)`` would: a malformed id fails the same way.
        values["owner_id"] = Video._meta.get_field("owner").target_field.get_prep_value(owner_id)
    if tag:
        values["tag"] = tag.strip().lower().lstrip("#")
    return _PUBLIC_PAGES.source(None, **values)


def video_list_for_owner(*, owner: User) -> QuerySet[Video]:
    """The creator's own videos in every processing state, with renditions (for progress).
    Videos removed by moderation are left out here too."""
    return (
        Video.objects.filter(owner=owner)
        .exclude(moderation_status=Video.Moderation.REMOVED)
        .select_related("owner", "upload")
        .prefetch_related(Prefetch("renditions", queryset=Rendition.objects.order_by("height")))
        .order_by("-id")
    )


def video_search(*, query: str, limit: int = 20, user: User | None = None) -> list[Video]:
    """Full-text search over title, tags (weight A) and description (weight B), best match first.
    Videos of users with a block either way with ``user`` are left out."""
    search = SearchQuery(query, search_type="websearch", config="english")
    return list(
        Video.objects.filter(videos_visible_q(user=user), search_vector=search)
        .annotate(rank=SearchRank(F("search_vector"), search))
        .select_related("owner")
        .order_by("-rank", "-id")[:limit]
    )


def video_get_owned(*, video_id: Any, owner: User) -> Video:
    video = Video.objects.filter(pk=video_id, owner=owner).first()
    if video is None:
        raise NotFoundError("No such video.")
    return video


def video_analytics(*, video: Video, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Daily rows, totals, top countries and the retention curve (sessions of the whole range)."""
    days = list(VideoDailyStat.objects.filter(video=video, day__range=(start, end)).order_by("day"))
    countries = list(
        VideoCountryDailyStat.objects.filter(video=video, day__range=(start, end))
        .values("country")
        .annotate(views=Sum("views"), watch_seconds=Sum("watch_seconds"))
        .order_by("-views", "country")[:10]
    )
    sessions = sum(day.sessions for day in days)
    retention = []
    if sessions:
        for point in range(21):
            reached = sum(day.retention[point] * day.sessions for day in days if len(day.retention) > point)
            retention.append(round(reached / sessions, 1))
    watch = sum(day.watch_seconds for day in days)
    return {
        "days": days,
        "countries": countries,
        "retention": retention,
        "views": sum(day.views for day in days),
        "watch_seconds": round(watch, 1),
        "average_view_duration": round(watch / sessions, 1) if sessions else 0.0,
    }


def owner_daily_totals(*, owner: User, start: dt.date, end: dt.date) -> dict[dt.date, tuple[int, float]]:
    """``{day: (views, watch_seconds)}`` over all of ``owner``'s videos (the studio home); one query."""
    rows = (
        VideoDailyStat.objects.filter(video__owner=owner, day__range=(start, end))
        .values("day")
        .annotate(views=Sum("views"), watch_seconds=Sum("watch_seconds"))
    )
    return {row["day"]: (row["views"] or 0, row["watch_seconds"] or 0.0) for row in rows}


def videos_failed_count(*, owner: User) -> int:
    """The owner's videos whose upload or processing failed (the studio home's attention list)."""
    return Video.objects.filter(owner=owner, status=Video.Status.FAILED).count()
