"""Reads: the grouped inbox, unread counts, preferences as they apply, delivery history."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.compiled import SAMPLES, CompiledQuery
from core.pagination import CompiledPages, PageSource
from notifications.kinds import CHANNELS, KINDS, Kind
from notifications.models import DeliveryAttempt, Notification, NotificationActor, NotificationSettings
from notifications.services import channels_enabled, sender_rule

SAMPLE_ACTORS = 8


def _visible(*, user: Any, now: datetime | None = None) -> QuerySet[Notification]:
    now = now or timezone.now()
    return Notification.objects.filter(recipient=user, in_app=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def notification_groups_for_user(
    *, user: Any, unread: bool | None = None, now: datetime | None = None, with_sample_actors: bool = True
) -> QuerySet[Notification]:
    """``user``'s inbox, newest activity first: one row per group, each with
    ``sample_actor_links`` (the 8 most recent actors). Expired and deleted ones are hidden.
    Two queries per page whatever its size: the groups, and their sample actors. With
    ``with_sample_actors=False`` the caller attaches them to the page it takes
    (:func:`notification_sample_actors_attach`, one statement compiled once)."""
    rows = _visible(user=user, now=now)
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    rows = rows.select_related("target_content_type").order_by("-last_event_at", "-id")
    if not with_sample_actors:
        return rows
    sample = NotificationActor.objects.select_related("actor").order_by("-created_at", "-id")[:SAMPLE_ACTORS]
    return rows.prefetch_related(Prefetch("actor_links", queryset=sample, to_attr="sample_actor_links"))


def _page_build(unread: bool | None, *, recipient_id, now) -> QuerySet[Notification]:
    rows = _visible(user=recipient_id, now=now)
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    return rows.select_related("target_content_type")


# The cursor's position is a ``last_event_at``: its sample is a time, not the shared id's.
_PAGES = CompiledPages(
    _page_build,
    model=Notification,
    samples={**SAMPLES, "position": dt.datetime(1902, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)},
    ordering=("-last_event_at", "-id"),
    prepare=lambda shape, names: True,  # one recipient's groups: one plan suits every page
)


def notification_page_for_user(*, user: Any, unread: bool | None = None) -> PageSource:
    """:func:`notification_groups_for_user` (``with_sample_actors=False``) as a page source for
    the cursor paginator (``core.pagination``): the same rows, read by a statement compiled once
    per ``unread`` and cursor direction instead of a queryset compiled per request."""
    return _PAGES.source(unread, recipient_id=user.pk, now=timezone.now())


def _sample_actor_links(*, ids) -> QuerySet[NotificationActor]:
    # The 8 most recent actors of each group (as the prefetch above: newest first, ties by id),
    # walked per group on the (notification, -created_at) index, with each actor joined.
    table = NotificationActor._meta.db_table
    # Names from the model and the limit a constant; the ids a parameter.
    newest = (
        f'"{table}"."id" IN (SELECT s.id FROM unnest(%s::uuid[]) AS g(id) CROSS JOIN LATERAL '  # noqa: S608
        f'(SELECT a.id FROM "{table}" a WHERE a.notification_id = g.id '
        f"ORDER BY a.created_at DESC, a.id DESC LIMIT {SAMPLE_ACTORS}) s)"
    )
    return (
        NotificationActor.objects.select_related("actor")
        .filter(RawSQL(newest, [ids], output_field=BooleanField()))  # noqa: S611 (names from the models; the ids a parameter)
        .order_by("notification_id", "-created_at", "-id")
    )


SAMPLE_ACTOR_LINKS = CompiledQuery(_sample_actor_links, "ids", prepare=True)


def notification_sample_actors_attach(*, groups: list[Notification]) -> None:
    """Set ``sample_actor_links`` on each of ``groups`` (a page of
    ``notification_groups_for_user(..., with_sample_actors=False)``), as its prefetch would: one
    query whatever the page's size."""
    by_id = {}
    for group in groups:
        group.sample_actor_links = []
        by_id[group.pk] = group
    if not by_id:
        return
    cache_link = NotificationActor.notification.field.set_cached_value
    for link in SAMPLE_ACTOR_LINKS(ids=list(by_id)):
        group = by_id[link.notification_id]
        cache_link(link, group)
        group.sample_actor_links.append(link)


def notification_group_for_user(*, user: Any, notification_id: uuid.UUID | str) -> Notification | None:
    return notification_groups_for_user(user=user).filter(pk=notification_id).first()


def unread_count(*, user: Any) -> int:
    """How many groups in ``user``'s inbox are unread."""
    return _visible(user=user).filter(read_at__isnull=True).count()


def user_received_announcement(*, user: Any, announcement_id: str) -> Notification | None:
    rows = notification_groups_for_user(user=user).filter(kind="announcement")
    return rows.filter(data__announcement_id=announcement_id).first()


@dataclass(frozen=True)
class KindPreference:
    kind: Kind
    channels: dict[str, bool]
    sender_rule: str


@dataclass(frozen=True)
class Preferences:
    kinds: list[KindPreference]
    quiet_hours_start: Any
    quiet_hours_end: Any
    digest_frequency: str
    timezone: str


def preferences_for_user(*, user: Any) -> Preferences:
    """``user``'s preferences as they apply: every kind with each channel on or off."""
    prefs = NotificationSettings.objects.filter(user=user).first()
    kinds = []
    for kind in KINDS.values():
        enabled = channels_enabled(kind=kind, prefs=prefs)
        channels = {channel: channel in enabled for channel in CHANNELS if channel != "sms" or kind.critical}
        kinds.append(KindPreference(kind=kind, channels=channels, sender_rule=sender_rule(kind=kind, prefs=prefs)))
    return Preferences(
        kinds=kinds,
        quiet_hours_start=prefs.quiet_hours_start if prefs else None,
        quiet_hours_end=prefs.quiet_hours_end if prefs else None,
        digest_frequency=prefs.digest_frequency if prefs else NotificationSettings.Digest.OFF,
        timezone=user.timezone,
    )


def delivery_attempts_for_user(*, user_id: Any) -> QuerySet[DeliveryAttempt]:
    """Every delivery attempt to ``user_id``, newest first (for staff answering "why not?")."""
    return DeliveryAttempt.objects.filter(notification__recipient_id=user_id).select_related("notification")


def announcement_audience_size(*, role: str = "") -> int:
    """How many users an announcement to ``role`` (empty: everyone) would reach now."""
    from notifications.services import announcement_audience

    return announcement_audience(role=role).count()
