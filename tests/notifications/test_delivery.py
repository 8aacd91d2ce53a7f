"""Delivery beyond the inbox: email and unsubscribe, push (FCM, Web Push), SMS (Twilio), quiet
hours, digests. Providers are faked at the HTTP layer with their real request and response shapes."""

import base64
import json
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from otp_twilio.models import TwilioSMSDevice
from rest_framework.test import APIClient

from notifications import delivery, services
from notifications.models import DeliveryAttempt, NotificationSettings, PushToken
from tests.factories import UserFactory
from tests.notifications.factories import PushTokenFactory

pytestmark = pytest.mark.django_db

FCM_SEND = "https://fcm.googleapis.com/v1/projects/fanfare-test/messages:send"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"


def notify(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return services.notify(**kwargs)


# --- quiet hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now_utc", "tz", "start", "end", "expected_local"),
    [
        # 23:30 in Paris (22:30 UTC, winter), quiet 22:00-07:00: ends 07:00 the next morning
        (datetime(2026, 1, 10, 22, 30, tzinfo=UTC), "Europe/Paris", time(22), time(7), (2026, 1, 11, 7)),
        # 02:00 in Paris, after midnight: ends 07:00 the same day
        (datetime(2026, 1, 10, 1, 0, tzinfo=UTC), "Europe/Paris", time(22), time(7), (2026, 1, 10, 7)),
        # 12:00 in Paris: not quiet
        (datetime(2026, 1, 10, 11, 0, tzinfo=UTC), "Europe/Paris", time(22), time(7), None),
        # the same UTC instant is 06:30 in Tokyo: quiet until 07:00 there
        (datetime(2026, 1, 10, 21, 30, tzinfo=UTC), "Asia/Tokyo", time(22), time(7), (2026, 1, 11, 7)),
        # and 16:30 in New York: not quiet
        (datetime(2026, 1, 10, 21, 30, tzinfo=UTC), "America/New_York", time(22), time(7), None),
        # a daytime window that does not cross midnight
        (datetime(2026, 1, 10, 13, 0, tzinfo=UTC), "UTC", time(12), time(14), (2026, 1, 10, 14)),
        # exactly at the end: no longer quiet
        (datetime(2026, 1, 10, 6, 0, tzinfo=UTC), "Europe/Paris", time(22), time(7), None),
    ],
)
def test_quiet_hours_across_timezones_and_midnight(now_utc, tz, start, end, expected_local):
    result = services.quiet_hours_end(now=now_utc, tz_name=tz, start=start, end=end)

    if expected_local is None:
        assert result is None
    else:
        assert result == datetime(*expected_local, tzinfo=ZoneInfo(tz))


def quiet_now(user):
    """Quiet hours around the present moment in ``user``'s time zone."""
    local = timezone.now().astimezone(ZoneInfo(user.timezone))
    start = (local - timedelta(hours=1)).time().replace(microsecond=0)
    end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    NotificationSettings.objects.create(user=user, quiet_hours_start=start, quiet_hours_end=end)


def test_quiet_hours_defer_push_until_they_end_and_then_release_it(django_capture_on_commit_callbacks):
    user = UserFactory(timezone="Asia/Kolkata")
    quiet_now(user)
    PushTokenFactory(user=user)

    notification = notify(django_capture_on_commit_callbacks, recipient=user, kind="mention", actor=UserFactory())

    deferred = DeliveryAttempt.objects.get(notification=notification, channel="push")
    assert deferred.channel == "push"
    assert deferred.status == "deferred"
    assert deferred.deliver_after > timezone.now()
    assert services.deferred_deliveries_release() == 0
    with django_capture_on_commit_callbacks(execute=True):
        released = services.deferred_deliveries_release(now=deferred.deliver_after)
    assert released == 1
    deferred.refresh_from_db()
    assert deferred.status == "released"
    # not configured for FCM in tests by default: the attempt says so
    assert DeliveryAttempt.objects.get(notification=notification, channel="push", status="skipped").error == (
        "push_not_configured"
    )


def test_critical_kinds_ignore_quiet_hours(django_capture_on_commit_callbacks):
    user = UserFactory(timezone="America/Los_Angeles")
    quiet_now(user)

    notification = notify(django_capture_on_commit_callbacks, recipient=user, kind="security_alert", data={})

    assert not DeliveryAttempt.objects.filter(notification=notification, status="deferred").exists()
    assert set(DeliveryAttempt.objects.filter(notification=notification).values_list("channel", flat=True)) == {
        "email",
        "push",
        "sms",
    }


# --- email ------------------------------------------------------------------------------------


def test_email_content_and_one_click_unsubscribe(django_capture_on_commit_callbacks):
    user = UserFactory(display_name="Rita", email="rita@example.com")
    post = UserFactory(handle="rita_post")

    notification = notify(
        django_capture_on_commit_callbacks,
        recipient=user,
        kind="comment",
        actor=UserFactory(display_name="Ana"),
        target=post,
        data={"actions": [{"label": "Reply", "action": "reply", "url": "https://fanfare.example/p/1"}]},
    )

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["rita@example.com"]
    assert email.subject == "Ana commented on @rita_post"
    assert "Hi Rita," in email.body
    assert "Reply: https://fanfare.example/p/1" in email.body
    html = email.alternatives[0][0]
    assert email.alternatives[0][1] == "text/html"
    assert "<strong>Ana commented on @rita_post</strong>" in html
    link = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in email.body
    attempt = DeliveryAttempt.objects.get(notification=notification, channel="email")
    assert attempt.status == "sent"
    assert attempt.provider_id == email.extra_headers["Message-ID"]

    url = urlparse(link)
    response = APIClient().post(f"{url.path}?{url.query}")

    assert response.status_code == 200
    assert NotificationSettings.objects.get(user=user).channels == {"comment": {"email": False}}
    notify(
        django_capture_on_commit_callbacks, recipient=user, kind="comment", actor=UserFactory(), target=UserFactory()
    )
    assert len(mail.outbox) == 1


def test_security_alert_emails_carry_no_unsubscribe(django_capture_on_commit_callbacks):
    user = UserFactory()

    notify(django_capture_on_commit_callbacks, recipient=user, kind="security_alert", data={})

    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert mail.outbox[0].subject.startswith("[Security] ")


def test_running_the_email_task_twice_sends_once(django_capture_on_commit_callbacks):
    user = UserFactory()
    notification = notify(django_capture_on_commit_callbacks, recipient=user, kind="mention", actor=UserFactory())

    assert delivery.email_deliver(notification_id=notification.pk) is None
    assert len(mail.outbox) == 1


# --- push: FCM (HTTP v1 through firebase-admin) -----------------------------------------------


@pytest.fixture
def fcm(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.FCM_SERVICE_ACCOUNT_JSON = json.dumps(
        {
            "type": "service_account",
            "project_id": "fanfare-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "push@fanfare-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": GOOGLE_TOKEN,
        }
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(GOOGLE_TOKEN, json={"access_token": "ya29.test", "expires_in": 3599, "token_type": "Bearer"})
        yield mock


def fcm_error(status, error_status, error_code, message):
    return {
        "error": {
            "code": status,
            "message": message,
            "status": error_status,
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code}],
        }
    }


def test_fcm_push_is_sent_in_the_v1_shape(fcm, django_capture_on_commit_callbacks):
    fcm.post(FCM_SEND, json={"name": "projects/fanfare-test/messages/0:1500415314455276%31bd1c9631bd1c96"})
    token = PushTokenFactory(token="device-token-1")

    notification = notify(
        django_capture_on_commit_callbacks, recipient=token.user, kind="mention", actor=UserFactory(display_name="Ana")
    )

    sent = [call for call in fcm.calls if call.request.url == FCM_SEND]
    assert len(sent) == 1
    body = json.loads(sent[0].request.body)
    assert body["message"]["token"] == "device-token-1"
    assert body["message"]["notification"] == {"title": "Mentions", "body": "Ana mentioned you in your post"}
    assert body["message"]["data"] == {"notification_id": str(notification.pk), "kind": "mention"}
    assert sent[0].request.headers["Authorization"] == "Bearer ya29.test"
    attempt = DeliveryAttempt.objects.get(notification=notification, channel="push")
    assert attempt.status == "sent"
    assert attempt.provider_id == "projects/fanfare-test/messages/0:1500415314455276%31bd1c9631bd1c96"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_unregistered_fcm_token_is_disabled(fcm, django_capture_on_commit_callbacks):
    fcm.post(FCM_SEND, status=404, json=fcm_error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."))
    token = PushTokenFactory()

    notification = notify(django_capture_on_commit_callbacks, recipient=token.user, kind="mention", actor=UserFactory())

    token.refresh_from_db()
    assert token.disabled_at is not None
    assert token.disabled_reason == "invalid_token"
    attempt = DeliveryAttempt.objects.get(notification=notification, channel="push")
    assert attempt.status == "failed"
    assert attempt.error.startswith("UnregisteredError")


def test_a_token_failing_n_times_in_a_row_is_disabled(fcm, settings):
    settings.PUSH_MAX_CONSECUTIVE_FAILURES = 3
    fcm.post(FCM_SEND, status=400, json=fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Message too big"))
    token = PushTokenFactory()
    user = token.user

    for n in range(3):
        notification = services.notify(recipient=user, kind="mention", actor=UserFactory())
        delivery.push_deliver(notification_id=notification.pk, token_id=token.pk)
        token.refresh_from_db()
        assert token.failure_count == n + 1
        assert (token.disabled_at is not None) is (n == 2)
    assert token.disabled_reason == "too_many_failures"


def test_a_success_resets_the_failure_count(fcm):
    fcm.post(FCM_SEND, json={"name": "projects/fanfare-test/messages/1"})
    token = PushTokenFactory(failure_count=2)
    notification = services.notify(recipient=token.user, kind="mention", actor=UserFactory())

    delivery.push_deliver(notification_id=notification.pk, token_id=token.pk)

    token.refresh_from_db()
    assert token.failure_count == 0


# --- push: Web Push (pywebpush, VAPID) --------------------------------------------------------

WEB_ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk-test"


@pytest.fixture
def web_push(settings):
    vapid = ec.generate_private_key(ec.SECP256R1())
    settings.WEBPUSH_VAPID_PRIVATE_KEY = vapid.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    browser = ec.generate_private_key(ec.SECP256R1())
    p256dh = browser.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    keys = {
        "p256dh": base64.urlsafe_b64encode(p256dh).decode().rstrip("="),
        "auth": base64.urlsafe_b64encode(b"0123456789abcdef").decode().rstrip("="),
    }
    with responses.RequestsMock() as mock:
        yield mock, keys


def test_web_push_is_encrypted_and_signed(web_push, django_capture_on_commit_callbacks):
    mock, keys = web_push
    mock.post(WEB_ENDPOINT, status=201, headers={"Location": f"{WEB_ENDPOINT}/m/1"})
    token = PushTokenFactory(token=WEB_ENDPOINT, platform="web", web_push_keys=keys)

    notification = notify(django_capture_on_commit_callbacks, recipient=token.user, kind="mention", actor=UserFactory())

    request = mock.calls[0].request
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["Authorization"].startswith("vapid t=")
    assert request.headers["TTL"] == "86400"
    attempt = DeliveryAttempt.objects.get(notification=notification, channel="push")
    assert attempt.status == "sent"
    assert attempt.provider_id == f"{WEB_ENDPOINT}/m/1"


def test_a_gone_web_push_subscription_is_disabled(web_push, django_capture_on_commit_callbacks):
    mock, keys = web_push
    mock.post(WEB_ENDPOINT, status=410, body="")
    token = PushTokenFactory(token=WEB_ENDPOINT, platform="web", web_push_keys=keys)

    notify(django_capture_on_commit_callbacks, recipient=token.user, kind="mention", actor=UserFactory())

    token.refresh_from_db()
    assert token.disabled_reason == "invalid_token"


def test_a_transient_web_push_error_is_retried_with_an_attempt_each(web_push, django_capture_on_commit_callbacks):
    mock, keys = web_push
    mock.post(WEB_ENDPOINT, status=503, body="")
    mock.post(WEB_ENDPOINT, status=201, headers={"Location": f"{WEB_ENDPOINT}/m/2"})
    token = PushTokenFactory(token=WEB_ENDPOINT, platform="web", web_push_keys=keys)

    notification = notify(django_capture_on_commit_callbacks, recipient=token.user, kind="mention", actor=UserFactory())

    attempts = list(DeliveryAttempt.objects.filter(notification=notification, channel="push").order_by("created_at"))
    assert [(a.status, a.attempt) for a in attempts] == [("failed", 1), ("sent", 2)]
    token.refresh_from_db()
    assert token.failure_count == 0


# --- SMS (Twilio Messages API) ----------------------------------------------------------------


@pytest.fixture
def twilio(settings):
    settings.OTP_TWILIO_ACCOUNT = "AC0123456789abcdef0123456789abcdef"
    settings.OTP_TWILIO_AUTH = "auth-token"
    settings.OTP_TWILIO_FROM = "+15005550006"
    url = delivery.TWILIO_MESSAGES_URL.format(account=settings.OTP_TWILIO_ACCOUNT)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            url,
            status=201,
            json={"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": "+33612345678"},
        )
        yield mock


def test_security_alerts_are_texted_to_the_verified_number(twilio, django_capture_on_commit_callbacks):
    user = UserFactory()
    TwilioSMSDevice.objects.create(user=user, number="+33612345678", confirmed=True, name="phone")

    notification = notify(
        django_capture_on_commit_callbacks, recipient=user, kind="security_alert", target=UserFactory(handle="login")
    )

    assert len(twilio.calls) == 1
    form = parse_qs(twilio.calls[0].request.body)
    assert form == {"To": ["+33612345678"], "From": ["+15005550006"], "Body": ["Fanfare: @login"]}
    attempt = DeliveryAttempt.objects.get(notification=notification, channel="sms")
    assert (attempt.status, attempt.provider_id) == ("sent", "SM0123456789abcdef0123456789abcdef")


def test_no_sms_without_a_verified_number_or_for_other_kinds(twilio, django_capture_on_commit_callbacks):
    user = UserFactory()
    TwilioSMSDevice.objects.create(user=user, number="+33612345678", confirmed=False, name="phone")

    alert = notify(django_capture_on_commit_callbacks, recipient=user, kind="security_alert", data={})
    tip = notify(django_capture_on_commit_callbacks, recipient=user, kind="tip", actor=UserFactory())

    assert len(twilio.calls) == 0
    assert DeliveryAttempt.objects.get(notification=alert, channel="sms").error == "no_verified_number"
    assert not DeliveryAttempt.objects.filter(notification=tip, channel="sms").exists()


# --- digests ----------------------------------------------------------------------------------


def test_a_daily_digest_summarises_unread_groups_once_a_day(django_capture_on_commit_callbacks):
    user = UserFactory(display_name="Rita", email="rita@example.com")
    NotificationSettings.objects.create(user=user, digest_frequency="daily")
    NotificationSettings.objects.create(user=UserFactory(), digest_frequency="weekly")
    post = UserFactory(handle="rita_video")
    for name in ["Ana", "Bob"]:
        services.notify(recipient=user, kind="like", actor=UserFactory(display_name=name), target=post)
    read = services.notify(recipient=user, kind="follow", actor=UserFactory(display_name="Cy Already Read"))
    services.notification_mark_read(user=user, notification_id=read.pk)
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        sent = delivery.digests_send(frequency="daily", now=now)
    with django_capture_on_commit_callbacks(execute=True):
        again = delivery.digests_send(frequency="daily", now=now + timedelta(hours=2))

    assert (sent, again) == (1, 0)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["rita@example.com"]
    assert email.subject == "Your daily Fanfare digest: 1 unread"
    assert "- Bob and 1 other liked @rita_video" in email.body
    assert "Cy Already Read" not in email.body  # (spaces: no token in the body can match by chance)
    assert "Bob and 1 other liked @rita_video" in email.alternatives[0][0]
    link = urlparse(email.body.rsplit("one click: ", 1)[1].strip())
    assert APIClient().post(f"{link.path}?{link.query}").json() == {"kind": "digest", "email": False}
    assert NotificationSettings.objects.get(user=user).digest_frequency == "off"


def test_the_next_day_brings_the_next_digest(django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationSettings.objects.create(user=user, digest_frequency="daily")
    services.notify(recipient=user, kind="mention", actor=UserFactory())
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        delivery.digests_send(frequency="daily", now=now)
    services.notify(recipient=user, kind="mention", actor=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        later = delivery.digests_send(frequency="daily", now=now + timedelta(days=1))

    assert later == 1
    assert len(mail.outbox) == 2


def test_digest_beat_schedule():
    schedule = django_settings.CELERY_BEAT_SCHEDULE

    assert schedule["notifications-digests-daily"]["task"] == "notifications.digests_send"
    assert schedule["notifications-digests-daily"]["args"] == ("daily",)
    assert schedule["notifications-digests-weekly"]["args"] == ("weekly",)
    assert schedule["notifications-digests-weekly"]["schedule"].day_of_week == {1}


def test_push_token_model_keeps_one_row_per_token():
    user = UserFactory()
    services.push_token_register(user=user, token="same", platform="ios")
    services.push_token_register(user=UserFactory(), token="same", platform="ios")

    assert PushToken.objects.count() == 1
