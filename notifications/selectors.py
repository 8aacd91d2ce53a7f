"""Reads: the grouped inbox, unread counts, preferences as they apply, delivery history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

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
    *, user: Any, unread: bool | None = None, now: datetime | None = None
) -> QuerySet[Notification]:
    """``user``'s inbox, newest activity first: one row per group, each with
    ``sample_actor_links`` (the 8 most recent actors). Expired and deleted ones are hidden.
    Two queries per page whatever its size: the groups, and their sample actors."""
    rows = _visible(user=user, now=now)
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    sample = NotificationActor.objects.select_related("actor").order_by("-created_at", "-id")[:SAMPLE_ACTORS]
    return (
        rows.select_related("target_content_type")
        .prefetch_related(Prefetch("actor_links", queryset=sample, to_attr="sample_actor_links"))
        .order_by("-last_event_at", "-id")
    )


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
