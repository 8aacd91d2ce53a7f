"""Delivery beyond the inbox: email, push (FCM and Web Push) and SMS (Twilio).

Each function delivers one notification on one channel, writes a :class:`DeliveryAttempt`
per attempt, and raises :class:`TransientDeliveryError` when trying again later may help (the
Celery task retries). A channel already delivered (a ``sent`` attempt exists) is not sent again,
so running a task twice sends once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.kinds import kind_get
from notifications.models import DeliveryAttempt, Notification, NotificationSettings, PushToken
from notifications.rendering import notification_text
from notifications.services import unsubscribe_token

logger = logging.getLogger(__name__)

TWILIO_MESSAGES_URL = "https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"


class TransientDeliveryError(Exception):
    """The provider may accept it later (timeouts, 429, 5xx)."""


def _attempt(notification_id, channel, status, *, attempt=1, token=None, provider_id="", error="") -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(
        notification_id=notification_id,
        channel=channel,
        status=status,
        push_token=token,
        provider_id=provider_id[:200],
        error=error[:2000],
        attempt=attempt,
    )


def _already_sent(notification_id, channel, token=None) -> bool:
    return DeliveryAttempt.objects.filter(
        notification_id=notification_id, channel=channel, status=DeliveryAttempt.Status.SENT, push_token=token
    ).exists()


def _load(notification_id) -> Notification | None:
    return (
        Notification.objects.select_related("recipient")
        .prefetch_related("actor_links__actor")
        .filter(pk=notification_id)
        .first()
    )


def _text(notification: Notification) -> str:
    links = sorted(notification.actor_links.all(), key=lambda link: link.created_at, reverse=True)
    return notification_text(notification=notification, actors=[link.actor for link in links])


def unsubscribe_url(*, user_id: Any, kind: str) -> str:
    path = reverse("v1:notifications-unsubscribe")
    return f"{settings.SITE_URL}{path}?token={unsubscribe_token(user_id=user_id, kind=kind)}"


# ---------------------------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------------------------


def email_deliver(*, notification_id: uuid.UUID | str, attempt: int = 1) -> DeliveryAttempt | None:
    """Email one notification (text and HTML, with a one-click unsubscribe for its kind)."""
    notification = _load(notification_id)
    if notification is None or _already_sent(notification_id, DeliveryAttempt.Channel.EMAIL):
        return None
    recipient = notification.recipient
    if not recipient.email:
        return _attempt(notification.pk, "email", "skipped", attempt=attempt, error="no_email_address")
    kind = kind_get(notification.kind)
    link = unsubscribe_url(user_id=recipient.pk, kind=notification.kind)
    context = {
        "notification": notification,
        "text": _text(notification),
        "kind_label": kind.label if kind else notification.kind,
        "critical": bool(kind and kind.critical),
        "unsubscribe_url": link,
        "site_url": settings.SITE_URL,
        "recipient": recipient,
    }
    message_id = make_msgid(domain="fanfare")
    headers = {"Message-ID": message_id}
    if not context["critical"]:
        headers |= {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMultiAlternatives(
        subject=render_to_string("notifications/email/notification_subject.txt", context).strip(),
        body=render_to_string("notifications/email/notification.txt", context),
        to=[recipient.email],
        headers=headers,
    )
    message.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
    try:
        message.send()
    except OSError as exc:  # SMTP and network errors
        _attempt(notification.pk, "email", "failed", attempt=attempt, error=str(exc))
        raise TransientDeliveryError(str(exc)) from exc
    return _attempt(notification.pk, "email", "sent", attempt=attempt, provider_id=message_id)


# ---------------------------------------------------------------------------------------------
# Push
# ---------------------------------------------------------------------------------------------


def push_tokens_for(*, notification_id) -> list[str]:
    """Ids of the active push tokens of the notification's recipient."""
    user_id = Notification.objects.filter(pk=notification_id).values_list("recipient_id", flat=True).first()
    if user_id is None:
        return []
    active = PushToken.objects.filter(user_id=user_id, disabled_at__isnull=True)
    return [str(pk) for pk in active.values_list("pk", flat=True)]


def push_skip_if_no_token(*, notification_id) -> None:
    if Notification.objects.filter(pk=notification_id).exists():
        _attempt(notification_id, "push", "skipped", error="no_push_token")


def _token_failed(token: PushToken, *, invalid: bool) -> None:
    now = timezone.now()
    PushToken.objects.filter(pk=token.pk).update(failure_count=F("failure_count") + 1, updated_at=now)
    token.refresh_from_db()
    if invalid or token.failure_count >= settings.PUSH_MAX_CONSECUTIVE_FAILURES:
        reason = "invalid_token" if invalid else "too_many_failures"
        PushToken.objects.filter(pk=token.pk, disabled_at__isnull=True).update(disabled_at=now, disabled_reason=reason)


def _token_succeeded(token: PushToken) -> None:
    now = timezone.now()
    PushToken.objects.filter(pk=token.pk).update(failure_count=0, last_used_at=now, updated_at=now)


def push_deliver(*, notification_id, token_id, attempt: int = 1) -> DeliveryAttempt | None:
    """Push one notification to one token, through FCM or Web Push."""
    notification = _load(notification_id)
    token = PushToken.objects.filter(pk=token_id, disabled_at__isnull=True).first()
    if notification is None or token is None or _already_sent(notification_id, "push", token):
        return None
    title = kind_get(notification.kind).label if kind_get(notification.kind) else "Fanfare"
    body = _text(notification)
    payload = {"notification_id": str(notification.pk), "kind": notification.kind}
    sender = _web_push_send if token.platform == PushToken.Platform.WEB else _fcm_send
    try:
        outcome = sender(token=token, title=title, body=body, data=payload)
    except _ProviderRejected as exc:
        _token_failed(token, invalid=exc.invalid)
        return _attempt(notification.pk, "push", "failed", attempt=attempt, token=token, error=str(exc))
    except TransientDeliveryError as exc:
        _token_failed(token, invalid=False)
        _attempt(notification.pk, "push", "failed", attempt=attempt, token=token, error=str(exc))
        raise
    if outcome is None:
        return _attempt(notification.pk, "push", "skipped", attempt=attempt, token=token, error="push_not_configured")
    _token_succeeded(token)
    return _attempt(notification.pk, "push", "sent", attempt=attempt, token=token, provider_id=outcome)


class _ProviderRejected(Exception):
    def __init__(self, message: str, *, invalid: bool) -> None:
        super().__init__(message)
        self.invalid = invalid


def _firebase_app():
    import firebase_admin
    from firebase_admin import credentials

    raw = settings.FCM_SERVICE_ACCOUNT_JSON
    name = "fanfare-" + hashlib.sha256(raw.encode()).hexdigest()[:16]
    try:
        return firebase_admin.get_app(name)
    except ValueError:
        info = json.loads(raw)
        return firebase_admin.initialize_app(
            credentials.Certificate(info), {"projectId": info["project_id"]}, name=name
        )


def _fcm_send(*, token: PushToken, title: str, body: str, data: dict) -> str | None:
    """FCM HTTP v1 through firebase-admin. Returns the message name, or None when not configured."""
    if not settings.FCM_SERVICE_ACCOUNT_JSON:
        logger.info("push not configured (FCM_SERVICE_ACCOUNT_JSON): %s to %s", title, token.user_id)
        return None
    from firebase_admin import exceptions, messaging

    message = messaging.Message(
        token=token.token, notification=messaging.Notification(title=title, body=body), data=data
    )
    try:
        return messaging.send(message, app=_firebase_app())
    except (messaging.UnregisteredError, messaging.SenderIdMismatchError) as exc:
        raise _ProviderRejected(f"{type(exc).__name__}: {exc}", invalid=True) from exc
    except exceptions.InvalidArgumentError as exc:
        invalid = "registration token" in str(exc).lower()
        raise _ProviderRejected(f"InvalidArgumentError: {exc}", invalid=invalid) from exc
    except (exceptions.UnavailableError, exceptions.InternalError, exceptions.DeadlineExceededError) as exc:
        raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    except messaging.QuotaExceededError as exc:
        raise TransientDeliveryError(f"QuotaExceededError: {exc}") from exc
    except exceptions.FirebaseError as exc:
        raise _ProviderRejected(f"{type(exc).__name__}: {exc}", invalid=False) from exc


def _web_push_send(*, token: PushToken, title: str, body: str, data: dict) -> str | None:
    """Web Push (RFC 8030, VAPID) through pywebpush. Returns the push service's message URL."""
    if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
        logger.info("push not configured (WEBPUSH_VAPID_PRIVATE_KEY): %s to %s", title, token.user_id)
        return None
    from py_vapid import Vapid
    from pywebpush import WebPushException, webpush

    key = settings.WEBPUSH_VAPID_PRIVATE_KEY
    vapid = Vapid.from_pem(key.encode()) if key.lstrip().startswith("-----BEGIN") else key
    try:
        response = webpush(
            subscription_info={"endpoint": token.token, "keys": token.web_push_keys},
            data=json.dumps({"title": title, "body": body, "data": data}),
            vapid_private_key=vapid,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=24 * 3600,
            timeout=10,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            raise _ProviderRejected(f"{status}: subscription gone", invalid=True) from exc
        if status is None or status == 429 or status >= 500:
            raise TransientDeliveryError(f"{status}: {exc.message}") from exc
        raise _ProviderRejected(f"{status}: {exc.message}", invalid=False) from exc
    except requests.RequestException as exc:
        raise TransientDeliveryError(str(exc)) from exc
    return response.headers.get("Location", "") or str(response.status_code)


# ---------------------------------------------------------------------------------------------
# SMS
# ---------------------------------------------------------------------------------------------


def _verified_number(user_id) -> str | None:
    from otp_twilio.models import TwilioSMSDevice

    return TwilioSMSDevice.objects.filter(user_id=user_id, confirmed=True).values_list("number", flat=True).first()


def sms_deliver(*, notification_id, attempt: int = 1) -> DeliveryAttempt | None:
    """Text a critical notification to the recipient's verified number through Twilio."""
    notification = _load(notification_id)
    if notification is None or _already_sent(notification_id, "sms"):
        return None
    kind = kind_get(notification.kind)
    if not (kind and kind.critical):
        return _attempt(notification.pk, "sms", "skipped", attempt=attempt, error="not_a_critical_kind")
    number = _verified_number(notification.recipient_id)
    if not number:
        return _attempt(notification.pk, "sms", "skipped", attempt=attempt, error="no_verified_number")
    account, auth, sender = settings.OTP_TWILIO_ACCOUNT, settings.OTP_TWILIO_AUTH, settings.OTP_TWILIO_FROM
    if not (account and auth and sender):
        logger.info("SMS not configured (OTP_TWILIO_*): %s", notification.pk)
        return _attempt(notification.pk, "sms", "skipped", attempt=attempt, error="sms_not_configured")
    try:
        response = requests.post(
            TWILIO_MESSAGES_URL.format(account=account),
            data={"To": number, "From": sender, "Body": f"Fanfare: {_text(notification)}"[:1600]},
            auth=(account, auth),
            timeout=10,
        )
    except requests.RequestException as exc:
        _attempt(notification.pk, "sms", "failed", attempt=attempt, error=str(exc))
        raise TransientDeliveryError(str(exc)) from exc
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    if response.status_code in (200, 201):
        return _attempt(notification.pk, "sms", "sent", attempt=attempt, provider_id=body.get("sid", ""))
    error = f"{response.status_code} {body.get('code', '')}: {body.get('message', response.text[:200])}"
    _attempt(notification.pk, "sms", "failed", attempt=attempt, error=error)
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientDeliveryError(error)
    return None


# ---------------------------------------------------------------------------------------------
# Digests
# ---------------------------------------------------------------------------------------------

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def digests_send(*, frequency: str, now: datetime | None = None, dry_run: bool = False) -> int:
    """Email each user on ``frequency`` one summary of the period's unread groups, once a
    period (a run a second time in the same period sends nothing). Returns emails sent (with
    ``dry_run``, how many would be, sending and marking nothing)."""
    from notifications.selectors import notification_groups_for_user

    period = PERIODS[frequency]
    now = now or timezone.now()
    # An hour of slack, so a beat that fires a little early still finds last period's send due.
    due_before = now - period + timedelta(hours=1)
    sent = 0
    candidates = NotificationSettings.objects.filter(digest_frequency=frequency).exclude(last_digest_at__gt=due_before)
    users = get_user_model().objects.filter(pk__in=candidates.values("user_id"), is_active=True)
    for user in users.iterator():
        since = now - period
        unread = notification_groups_for_user(user=user, unread=True, now=now)
        groups = list(unread.filter(last_event_at__gte=since)[:50])
        if dry_run:
            sent += bool(groups)
            continue
        with transaction.atomic():
            NotificationSettings.objects.filter(user=user).update(last_digest_at=now)
            if not groups:
                continue
            items = [
                {"text": notification_text(notification=g, actors=[a.actor for a in g.sample_actor_links])}
                for g in groups
            ]
            context = {
                "user": user,
                "items": items,
                "frequency": frequency,
                "site_url": settings.SITE_URL,
                "unsubscribe_url": unsubscribe_url(user_id=user.pk, kind="digest"),
            }
            message = EmailMultiAlternatives(
                subject=render_to_string("notifications/email/digest_subject.txt", context).strip(),
                body=render_to_string("notifications/email/digest.txt", context),
                to=[user.email],
            )
            message.attach_alternative(render_to_string("notifications/email/digest.html", context), "text/html")
            transaction.on_commit(message.send)
            sent += 1
    return sent
