"""Notifications: the one entry point other apps call (``notify``), and every write behind it.

Other apps call ``notify``/``unnotify`` (after their own commit, or inside their transaction:
side effects wait for the commit either way). Notifications itself calls no other app.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core import side_effects
from core.bulk import insert_select_from_template
from core.errors import ApplicationError, NotFoundError
from notifications import kinds as kind_registry
from notifications.kinds import CHANNELS, EMAIL, IN_APP, PUSH, SENDER_RULES, SMS, Kind
from notifications.models import (
    Announcement,
    DeliveryAttempt,
    Notification,
    NotificationActor,
    NotificationKey,
    NotificationSettings,
    PushToken,
)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
_UNSET: Any = object()


def user_group(user_id: Any) -> str:
    """The channel-layer group of every open WebSocket of one user."""
    return f"notifications.user.{user_id}"


BROADCAST_GROUP = "notifications.broadcast"


# ---------------------------------------------------------------------------------------------
# Sender rules: who may trigger a kind. The social app provides who follows whom.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relationship:
    recipient_follows_actor: bool
    actor_follows_recipient: bool
    # A block between the two, either way, or the recipient muting the actor: the recipient
    # hears nothing from the actor, whatever the sender rule says.
    blocked: bool = False
    muted: bool = False


_relationship_provider: Callable[..., Relationship] | None = None


def relationship_provider_set(*, provider: Callable[..., Relationship] | None) -> None:
    """Install ``provider(*, recipient_id, actor_id) -> Relationship`` (the social app does, in
    its ``AppConfig.ready``). Until one is installed, nobody counts as followed, so the sender
    rules ``following`` and ``mutuals`` let nobody through."""
    global _relationship_provider
    _relationship_provider = provider


def _sender_allowed(*, rule: str, recipient_id: Any, actor_id: Any) -> bool:
    relation = _relationship_provider(recipient_id=recipient_id, actor_id=actor_id) if _relationship_provider else None
    if relation is not None and (relation.blocked or relation.muted):
        return False
    if rule == "everyone":
        return True
    if rule == "nobody" or relation is None:
        return False
    if rule == "following":
        return relation.recipient_follows_actor
    return relation.recipient_follows_actor and relation.actor_follows_recipient  # mutuals


def _settings_of(*, user_id: Any) -> NotificationSettings | None:
    return NotificationSettings.objects.filter(user_id=user_id).first()


def channels_enabled(*, kind: Kind, prefs: NotificationSettings | None) -> set[str]:
    """The channels ``kind`` goes out on for a user with ``prefs``. Critical kinds: all of theirs."""
    if kind.critical:
        return set(kind.channels)
    chosen = (prefs.channels if prefs else {}).get(kind.name, {})
    return {channel for channel in CHANNELS if channel != SMS and chosen.get(channel, channel in kind.channels)}


def sender_rule(*, kind: Kind, prefs: NotificationSettings | None) -> str:
    return (prefs.senders if prefs else {}).get(kind.name, "everyone")


# ---------------------------------------------------------------------------------------------
# Quiet hours
# ---------------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_hours_end(*, now: datetime, tz_name: str, start: time | None, end: time | None) -> datetime | None:
    """When the quiet hours around ``now`` end (an aware datetime), or None outside them.

    ``start``/``end`` are local times in ``tz_name``; start after end spans midnight
    (22:00-07:00). Equal times mean no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    zone = _zone(tz_name)
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= moment < end:
            return None
        day = local.date()
    else:
        if end <= moment < start:
            return None
        day = local.date() + timedelta(days=1) if moment >= start else local.date()
    return datetime.combine(day, end, tzinfo=zone)


# ---------------------------------------------------------------------------------------------
# notify / unnotify
# ---------------------------------------------------------------------------------------------


def _validate_data(data: dict | None) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ApplicationError("data must be an object.", code="invalid_data")
    actions = data.get("actions", [])
    if not isinstance(actions, list) or not all(
        isinstance(a, dict) and a.get("label") and a.get("action") and (a.get("url") or a.get("api")) for a in actions
    ):
        raise ApplicationError("Each action needs a label, an action and a url or an api call.", code="invalid_actions")
    return data


def _target_reference(target: Any) -> tuple[ContentType | None, str, str]:
    if target is None:
        return None, "", ""
    title = getattr(target, "title", None) or str(target)
    return ContentType.objects.get_for_model(target), str(target.pk), str(title)[:200]


def _lock(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def notify(
    *,
    recipient: Any,
    kind: str,
    actor: Any | None = None,
    target: Any | None = None,
    data: dict | None = None,
    priority: str | None = None,
    idempotency_key: str | None = None,
    expires_at: datetime | None = None,
) -> Notification | None:
    """Tell ``recipient`` that ``actor`` did ``kind`` to ``target``. The one way to notify.

    Returns the notification (new, or the group the event joined), or None when nothing is
    to be sent: the actor is the recipient, the sender rule refuses the actor, or every
    channel of the kind is off. Critical kinds bypass preferences. The same
    ``idempotency_key`` for the same recipient returns the first call's notification and
    changes nothing. Live updates and deliveries beyond the inbox start after commit.
    """
    spec = kind_registry.kind_get(kind)
    if spec is None:
        raise ApplicationError(f"Unknown notification kind {kind!r}.", code="unknown_kind")
    if priority is not None and priority not in Notification.Priority.values:
        raise ApplicationError(f"Unknown priority {priority!r}.", code="invalid_priority")
    data = _validate_data(data)
    if actor is not None and actor.pk == recipient.pk:
        return None
    if idempotency_key:
        existing = NotificationKey.objects.filter(recipient=recipient, key=idempotency_key).first()
        if existing is not None:
            return Notification.all_objects.get(pk=existing.notification_id)
    prefs = _settings_of(user_id=recipient.pk)
    if (
        not spec.critical
        and actor is not None
        and not _sender_allowed(rule=sender_rule(kind=spec, prefs=prefs), recipient_id=recipient.pk, actor_id=actor.pk)
    ):
        return None
    channels = channels_enabled(kind=spec, prefs=prefs)
    if not channels:
        return None
    content_type, object_id, title = _target_reference(target)
    try:
        with transaction.atomic():
            notification, created, changed = _record(
                recipient=recipient,
                spec=spec,
                actor=actor,
                content_type=content_type,
                object_id=object_id,
                title=title,
                data=data,
                priority=Notification.Priority.CRITICAL if spec.critical else (priority or spec.priority),
                in_app=IN_APP in channels,
                expires_at=expires_at,
            )
            if idempotency_key:
                NotificationKey.objects.create(recipient=recipient, key=idempotency_key, notification=notification)
            if changed and notification.in_app:
                side_effects.group_send(
                    user_group(recipient.pk),
                    {
                        "type": "notification.changed",
                        "event": "created" if created else "updated",
                        "notification_id": str(notification.pk),
                    },
                )
            if created:
                _dispatch(notification=notification, spec=spec, channels=channels, prefs=prefs, recipient=recipient)
    except IntegrityError:
        if not idempotency_key:
            raise
        # Another call with the same key committed first: its notification is the one.
        existing = NotificationKey.objects.get(recipient=recipient, key=idempotency_key)
        return Notification.all_objects.get(pk=existing.notification_id)
    return notification


def _group_key(*, spec: Kind, content_type: ContentType | None, object_id: str) -> str:
    if not spec.groupable:
        return ""
    return f"{spec.name}:{content_type.pk if content_type else ''}:{object_id}"


def _record(
    *, recipient, spec, actor, content_type, object_id, title, data, priority, in_app, expires_at
) -> tuple[Notification, bool, bool]:
    """Create the notification or add to its group. Returns (notification, created, changed)."""
    now = timezone.now()
    group_key = _group_key(spec=spec, content_type=content_type, object_id=object_id)
    if group_key:
        _lock(f"notifications:{recipient.pk}:{group_key}")
        window = timedelta(hours=settings.NOTIFICATIONS_GROUP_WINDOW_HOURS)
        group = (
            Notification.objects.select_for_update()
            .filter(recipient=recipient, group_key=group_key, created_at__gte=now - window)
            .order_by("-created_at")
            .first()
        )
        if group is not None:
            if actor is not None:
                _, added = NotificationActor.objects.get_or_create(notification=group, actor=actor)
                if not added:
                    return group, False, False
            Notification.objects.filter(pk=group.pk).update(
                actor_count=F("actor_count") + (1 if actor is not None else 0),
                last_event_at=now,
                read_at=None,
                seen_at=None,
                target_title=title or group.target_title,
                updated_at=now,
            )
            group.refresh_from_db()
            return group, False, True
    notification = Notification.objects.create(
        recipient=recipient,
        kind=spec.name,
        priority=priority,
        actor_count=1 if actor is not None else 0,
        target_content_type=content_type,
        target_object_id=object_id,
        target_title=title,
        data=data,
        group_key=group_key,
        in_app=in_app,
        last_event_at=now,
        expires_at=expires_at,
    )
    if actor is not None:
        NotificationActor.objects.create(notification=notification, actor=actor, created_at=now)
    return notification, True, True


def _dispatch(*, notification: Notification, spec: Kind, channels: set[str], prefs, recipient) -> None:
    """Queue the deliveries beyond the inbox; push and SMS wait out quiet hours (not critical kinds)."""
    from notifications import tasks

    if EMAIL in channels:
        side_effects.enqueue_task(tasks.email_deliver_task, str(notification.pk))
    later = None
    if not spec.critical and prefs is not None:
        later = quiet_hours_end(
            now=timezone.now(),
            tz_name=recipient.timezone,
            start=prefs.quiet_hours_start,
            end=prefs.quiet_hours_end,
        )
    for channel, task in ((PUSH, tasks.push_deliver_task), (SMS, tasks.sms_deliver_task)):
        if channel not in channels:
            continue
        if later is not None:
            DeliveryAttempt.objects.create(
                notification=notification, channel=channel, status=DeliveryAttempt.Status.DEFERRED, deliver_after=later
            )
        else:
            side_effects.enqueue_task(task, str(notification.pk))


@transaction.atomic
def unnotify(*, recipient: Any, kind: str, actor: Any, target: Any | None = None) -> int:
    """Undo ``actor``'s event (an unlike): remove them from the notifications of ``kind`` on
    ``target``; a group left without actors is deleted. Returns how many notifications changed."""
    spec = kind_registry.kind_get(kind)
    if spec is None:
        raise ApplicationError(f"Unknown notification kind {kind!r}.", code="unknown_kind")
    content_type, object_id, _ = _target_reference(target)
    links = NotificationActor.objects.filter(
        actor=actor,
        notification__recipient=recipient,
        notification__kind=kind,
        notification__target_content_type=content_type,
        notification__target_object_id=object_id,
        notification__deleted_at__isnull=True,
    )
    return _actor_leave(links=links)


def _actor_leave(*, links) -> int:
    """Delete the ``NotificationActor`` rows ``links``: each notification loses one actor, one
    left without actors is deleted (soft), the recipients' sockets hear of it."""
    changed = dict(links.values_list("notification_id", "notification__recipient_id"))
    if not changed:
        return 0
    links.delete()
    now = timezone.now()
    Notification.objects.filter(pk__in=changed).update(actor_count=F("actor_count") - 1, updated_at=now)
    emptied = set(Notification.objects.filter(pk__in=changed, actor_count=0).values_list("pk", flat=True))
    Notification.objects.filter(pk__in=emptied).update(deleted_at=now)
    for notification_id, recipient_id in changed.items():
        side_effects.group_send(
            user_group(recipient_id),
            {
                "type": "notification.changed",
                "event": "removed" if notification_id in emptied else "updated",
                "notification_id": str(notification_id),
            },
        )
    return len(changed)


@transaction.atomic
def unnotify_events(
    *, actor: Any, keys: Iterable[str] = (), key_prefix: str = "", still_there: Iterable[str] = ()
) -> int:
    """Undo the events that were notified with the idempotency ``keys`` (exact) or any key
    starting with ``key_prefix``, for whichever recipients: ``actor`` leaves the very
    notification each key led to (not other groups of the same kind and target), unless the
    notification also came from one of ``still_there``: the keys of ``actor``'s other events that
    still stand, which keep the actor named. A notification left without actors is deleted (soft).
    The keys stay used, so notifying with them again changes nothing. Returns how many
    notifications changed.

    ``unnotify`` undoes an actor's one possible event on a target (an unlike); this is for events
    an actor can repeat on one target (two comments on one post), where the group cannot tell
    which of them put the actor there, but the keys can. ``still_there`` may be a queryset of
    keys: it is then read as a subquery after the groups are locked, so an event of the actor
    that joined the group concurrently is seen.
    """
    keys = list(keys)
    if not keys and not key_prefix:
        return 0
    matches = Q(key__in=keys)
    if key_prefix:
        matches |= Q(key__startswith=key_prefix)
    notification_ids = set(
        NotificationKey.objects.filter(matches, notification__deleted_at__isnull=True).values_list(
            "notification_id", flat=True
        )
    )
    if not notification_ids:
        return 0
    # Serialize with notify joining the same groups (``_record`` takes the same locks), in one
    # order; ``still_there`` is read after them, so an event that joined meanwhile counts.
    groups = Notification.objects.filter(pk__in=notification_ids).exclude(group_key="")
    for lock_key in sorted({f"notifications:{r}:{g}" for r, g in groups.values_list("recipient_id", "group_key")}):
        _lock(lock_key)
    kept = set(
        NotificationKey.objects.filter(key__in=still_there, notification_id__in=notification_ids).values_list(
            "notification_id", flat=True
        )
    )
    links = NotificationActor.objects.filter(
        actor=actor, notification_id__in=notification_ids - kept, notification__deleted_at__isnull=True
    )
    return _actor_leave(links=links)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _unread_changed(*, user_id: Any) -> None:
    side_effects.group_send(user_group(user_id), {"type": "notification.unread"})


@transaction.atomic
def notification_mark_read(*, user: Any, notification_id: uuid.UUID) -> Notification:
    """Mark one of ``user``'s notifications read. Another user's or unknown: ``not_found``."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFoundError("No such notification.", code="not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
        _unread_changed(user_id=user.pk)
    return notification


@transaction.atomic
def notifications_mark_read(*, user: Any, notification_ids: list[uuid.UUID] | None = None) -> int:
    """Mark ``user``'s notifications among ``notification_ids`` read (all of them when None).
    Ids of other users' notifications are ignored. Returns how many turned read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    count = unread.update(read_at=timezone.now(), updated_at=timezone.now())
    if count:
        _unread_changed(user_id=user.pk)
    return count


def notifications_mark_seen(*, user: Any) -> int:
    """Note that ``user`` opened the inbox: every unseen notification gets ``seen_at``."""
    return Notification.objects.filter(recipient=user, seen_at__isnull=True).update(
        seen_at=timezone.now(), updated_at=timezone.now()
    )


@transaction.atomic
def notification_dismiss(*, user: Any, notification_id: uuid.UUID) -> None:
    """Remove one of ``user``'s notifications from their inbox (soft delete)."""
    count = Notification.objects.filter(pk=notification_id, recipient=user).delete()
    if not count:
        raise NotFoundError("No such notification.", code="not_found")
    _unread_changed(user_id=user.pk)


# ---------------------------------------------------------------------------------------------
# Preferences
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def settings_update(
    *,
    user: Any,
    kinds: dict[str, dict] | None = None,
    quiet_hours_start: time | None = _UNSET,
    quiet_hours_end: time | None = _UNSET,
    digest_frequency: str | None = None,
) -> NotificationSettings:
    """Change ``user``'s preferences. ``kinds`` is ``{kind: {"channels": {channel: bool},
    "sender_rule": rule}}``, merged into what is stored. Critical kinds cannot be turned off;
    SMS exists only for critical kinds."""
    prefs, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    for name, change in (kinds or {}).items():
        spec = kind_registry.kind_get(name)
        if spec is None:
            raise ApplicationError(f"Unknown notification kind {name!r}.", code="unknown_kind")
        for channel, enabled in (change.get("channels") or {}).items():
            if channel not in CHANNELS:
                raise ApplicationError(f"Unknown channel {channel!r}.", code="unknown_channel")
            if spec.critical and not enabled:
                raise ApplicationError(f"{spec.label} cannot be turned off.", code="critical_kind")
            if channel == SMS and not spec.critical:
                raise ApplicationError("SMS is only for security alerts.", code="channel_not_available")
            if not spec.critical:
                prefs.channels.setdefault(name, {})[channel] = bool(enabled)
        rule = change.get("sender_rule")
        if rule is not None:
            if rule not in SENDER_RULES:
                raise ApplicationError(f"Unknown sender rule {rule!r}.", code="invalid_sender_rule")
            if spec.critical and rule != "everyone":
                raise ApplicationError(f"{spec.label} cannot be limited.", code="critical_kind")
            prefs.senders[name] = rule
    if quiet_hours_start is not _UNSET:
        prefs.quiet_hours_start = quiet_hours_start
    if quiet_hours_end is not _UNSET:
        prefs.quiet_hours_end = quiet_hours_end
    if (prefs.quiet_hours_start is None) != (prefs.quiet_hours_end is None):
        raise ApplicationError("Quiet hours need both a start and an end.", code="quiet_hours_incomplete")
    if digest_frequency is not None:
        if digest_frequency not in NotificationSettings.Digest.values:
            raise ApplicationError(f"Unknown digest frequency {digest_frequency!r}.", code="invalid_digest")
        prefs.digest_frequency = digest_frequency
    prefs.save()
    return prefs


def unsubscribe_token(*, user_id: Any, kind: str) -> str:
    """A signed token that turns email off for ``kind`` for this user, with no login."""
    return signing.dumps({"u": str(user_id), "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(*, token: str) -> tuple[Any, str]:
    """(user, kind) that an unsubscribe token names, without acting on it; ``invalid_token`` if bad."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise ApplicationError("This unsubscribe link is not valid.", code="invalid_token") from exc
    user = get_user_model().objects.filter(pk=payload.get("u")).first()
    if user is None:
        raise ApplicationError("This unsubscribe link is not valid.", code="invalid_token")
    return user, payload["k"]


def unsubscribe(*, token: str) -> tuple[Any, str]:
    """Turn email off for the kind and user the token names. Returns (user, kind).
    A bad or tampered token: ``invalid_token``; a critical kind: ``critical_kind``."""
    user, kind = unsubscribe_token_read(token=token)
    payload = {"k": kind}
    if payload["k"] == "digest":
        settings_update(user=user, digest_frequency=NotificationSettings.Digest.OFF)
    else:
        settings_update(user=user, kinds={payload["k"]: {"channels": {EMAIL: False}}})
    return user, payload["k"]


# ---------------------------------------------------------------------------------------------
# Push tokens
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def push_token_register(
    *,
    user: Any,
    token: str,
    platform: str,
    app_version: str = "",
    locale: str = "",
    web_push_keys: dict | None = None,
    device_id: uuid.UUID | None = None,
) -> PushToken:
    """Register (or refresh) a push token for ``user``. A token moves to whoever registers it
    last (one app install, one row) and is re-enabled with its failures forgotten."""
    if platform not in PushToken.Platform.values:
        raise ApplicationError(f"Unknown platform {platform!r}.", code="invalid_platform")
    keys = web_push_keys or {}
    if platform == PushToken.Platform.WEB and not (keys.get("p256dh") and keys.get("auth")):
        raise ApplicationError("A web push subscription needs its p256dh and auth keys.", code="web_push_keys_required")
    push_token, _ = PushToken.objects.select_for_update().update_or_create(
        token=token,
        defaults={
            "user": user,
            "platform": platform,
            "app_version": app_version,
            "locale": locale,
            "web_push_keys": keys if platform == PushToken.Platform.WEB else {},
            "device_id": device_id,
            "failure_count": 0,
            "disabled_at": None,
            "disabled_reason": "",
        },
    )
    return push_token


@transaction.atomic
def push_token_unregister(*, user: Any, token: str) -> None:
    """Forget one of ``user``'s push tokens. Another user's or unknown: ``not_found``."""
    deleted, _ = PushToken.objects.filter(user=user, token=token).delete()
    if not deleted:
        raise NotFoundError("No such push token.", code="not_found")


def push_tokens_disable_for_devices(*, device_ids: list[uuid.UUID]) -> int:
    """Disable the push tokens registered from these (revoked) devices. Called by accounts."""
    if not device_ids:
        return 0
    now = timezone.now()
    return PushToken.objects.filter(device_id__in=device_ids, disabled_at__isnull=True).update(
        disabled_at=now, disabled_reason="device_revoked", updated_at=now
    )


# ---------------------------------------------------------------------------------------------
# Deferred deliveries, digests, purge, announcements
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def deferred_deliveries_release(*, now: datetime | None = None) -> int:
    """Hand every delivery whose quiet hours are over to its task. Returns how many."""
    from notifications import tasks

    now = now or timezone.now()
    due = list(
        DeliveryAttempt.objects.select_for_update(skip_locked=True).filter(
            status=DeliveryAttempt.Status.DEFERRED, deliver_after__lte=now
        )
    )
    for attempt in due:
        task = tasks.push_deliver_task if attempt.channel == PUSH else tasks.sms_deliver_task
        side_effects.enqueue_task(task, str(attempt.notification_id))
    DeliveryAttempt.objects.filter(pk__in=[a.pk for a in due]).update(status=DeliveryAttempt.Status.RELEASED)
    return len(due)


def notifications_purge(*, older_than: timedelta, dry_run: bool = False, now: datetime | None = None) -> dict:
    """Remove for good expired notifications, and read or deleted ones older than ``older_than``.
    Returns the counts per reason; with ``dry_run`` only counts."""
    now = now or timezone.now()
    cutoff = now - older_than
    reasons = {
        "expired": Q(expires_at__lt=now),
        "read": Q(read_at__lt=cutoff),
        "deleted": Q(deleted_at__lt=cutoff),
    }
    rows = Notification.all_objects
    counts = {
        "expired": rows.filter(reasons["expired"]).count(),
        "read": rows.filter(reasons["read"]).exclude(reasons["expired"]).count(),
        "deleted": rows.filter(reasons["deleted"]).exclude(reasons["expired"] | reasons["read"]).count(),
    }
    if not dry_run:
        with transaction.atomic():
            rows.filter(reasons["expired"] | reasons["read"] | reasons["deleted"]).hard_delete()
    return counts


@transaction.atomic
def announcement_create(*, title: str, body: str = "", url: str = "", role: str = "", by: Any = None) -> Announcement:
    """Queue a system announcement to every active user with ``role`` (everyone when blank)."""
    from accounts.roles import Role
    from notifications import tasks

    if role and role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", code="invalid_role")
    if not title.strip():
        raise ApplicationError("An announcement needs a title.", code="title_required")
    announcement = Announcement.objects.create(title=title, body=body, url=url, role=role, created_by=by)
    side_effects.enqueue_task(tasks.announcement_deliver_task, str(announcement.pk))
    return announcement


def announcement_audience(*, role: str = ""):
    """The active users an announcement to ``role`` (empty: everyone) reaches, less those who
    turned announcements off in the app."""
    users = get_user_model().objects.filter(is_active=True)
    if role:
        users = users.filter(groups__name=role)
    muted = NotificationSettings.objects.filter(channels__announcement__in_app=False).values("user_id")
    return users.exclude(pk__in=muted)


def _announcement_audience(announcement: Announcement):
    return announcement_audience(role=announcement.role)


@transaction.atomic
def announcement_deliver_batch(*, announcement_id: uuid.UUID, batch_size: int | None = None) -> bool:
    """Notify the next batch of the announcement's audience. Returns True when users remain.

    Each batch commits its notifications together with the progress, so a crash or a second
    run resumes after the last user done and notifies nobody twice.
    """
    announcement = Announcement.objects.select_for_update().filter(pk=announcement_id).first()
    if announcement is None or announcement.status == Announcement.Status.DONE:
        return False
    audience = _announcement_audience(announcement)
    if announcement.status == Announcement.Status.PENDING:
        announcement.total = audience.count()
        announcement.status = Announcement.Status.SENDING
    batch = audience.order_by("pk")
    if announcement.last_user_id is not None:
        batch = batch.filter(pk__gt=announcement.last_user_id)
    size = batch_size or settings.NOTIFICATIONS_ANNOUNCEMENT_BATCH
    now = timezone.now()
    data = {"announcement_id": str(announcement.pk), "body": announcement.body}
    if announcement.url:
        data["actions"] = [{"label": "Open", "action": "open", "url": announcement.url}]
    # One INSERT ... SELECT per batch: an announcement can reach every account (bench/README.md,
    # notifications_fanout). The rows differ only in their id and recipient, so PostgreSQL makes
    # them from the audience query and the template, prepared once; no row passes through Python.
    template = Notification(
        kind="announcement",
        target_title=announcement.title[:200],
        data=data,
        last_event_at=now,
        created_at=now,
        updated_at=now,
    )
    written = insert_select_from_template(
        Notification,
        template,
        batch.values("pk")[:size].query.sql_with_params(),
        fields=("recipient_id",),
        max_rows=size,
    )
    if written:
        announcement.last_user_id = max(recipient for (recipient,) in written)
        announcement.sent_count += len(written)
    more = len(written) == size
    if not more:
        announcement.status = Announcement.Status.DONE
        announcement.finished_at = now
        # One message to every open socket; each checks whether its user was in the audience.
        side_effects.group_send(
            BROADCAST_GROUP, {"type": "notification.announcement", "announcement_id": str(announcement.pk)}
        )
    announcement.save()
    return more
