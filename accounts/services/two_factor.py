"""Second factors: enrolling them (TOTP, email, SMS through Twilio), backup codes, checking a code, removing them all.

Devices are django-otp's (``otp_totp``, ``otp_email``, ``otp_static``, ``otp_twilio``). A user
"has two-factor on" when they hold at least one confirmed device; a user has at most one
confirmed device of each kind.

Checking a code goes through django-otp's throttling: every miss is saved on the device, and
after one the next attempt must wait 1, 2, 4, ... seconds (``too_many_attempts``, 429). The
miss is committed before the error is raised, so throttling survives the failed request.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

import qrcode
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from otp_twilio.models import TwilioSMSDevice
from qrcode.image.pil import PilImage

from accounts.models import User
from accounts.services.users import backup_codes_regenerate
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.side_effects import after_commit

TOTP_DEVICE_NAME = "Authenticator app"
EMAIL_DEVICE_NAME = "Email"
SMS_DEVICE_NAME = "SMS"

# E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class InvalidCodeError(ApplicationError):
    default_code = "invalid_code"
    default_message = "This code is not valid."


class InvalidPasswordError(ApplicationError):
    default_code = "invalid_password"
    default_message = "The password is not correct."


class TooManyAttemptsError(ApplicationError):
    status_code = 429
    default_code = "too_many_attempts"
    default_message = "Too many wrong codes. Wait a few seconds and try again."


@dataclass(frozen=True)
class TotpEnrolment:
    """What an authenticator app needs: the secret, the otpauth:// URI and that URI as a QR code."""

    device: TOTPDevice
    secret: str
    otpauth_uri: str
    qr_code: str  # a data:image/png;base64,... URI


# ---------------------------------------------------------------------------------------------
# Checking codes
# ---------------------------------------------------------------------------------------------


def _verify_on_device(*, device: Device, code: str, gone: NotFoundError | None = None) -> None:
    """Verify ``code`` on one device, with throttling; raise when it is refused.

    The verification runs (and commits its throttling counters) in its own atomic block; the
    error is raised only after it, so a miss is remembered even though the request fails.
    A device deleted meanwhile (an enrolment restarted while this one is confirmed) raises
    ``gone`` (by default 404 ``not_found``), never ``DoesNotExist``.
    """
    with transaction.atomic():
        locked = type(device).objects.select_for_update().filter(pk=device.pk).first()
        if locked is None:
            raise gone or NotFoundError()
        allowed, details = locked.verify_is_allowed()
        verified = allowed and locked.verify_token(code)
    if verified:
        try:
            device.refresh_from_db()
        except type(device).DoesNotExist:
            raise gone or NotFoundError() from None
        return
    if not allowed and details and details.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        wait = max(1, int((details["locked_until"] - timezone.now()).total_seconds() + 0.999))
        raise TooManyAttemptsError(extra={"retry_after": wait})
    raise InvalidCodeError()


def second_factor_verify(*, user: User, code: str) -> Device:
    """Check a code from any of the user's confirmed devices and return the device it matched.

    The device is picked by ``accounts.selectors.otp_device_for_token`` (its only device, or by
    the code's shape), so a miss counts against that device only. Raises ``invalid_code`` or
    ``too_many_attempts``.
    """
    from accounts.selectors import otp_device_for_token

    code = (code or "").strip().replace(" ", "")
    device = otp_device_for_token(user=user, token=code) if code else None
    if device is None:
        raise InvalidCodeError()
    _verify_on_device(device=device, code=code)
    return device


def _check_password(*, user: User, password: str) -> None:
    if not password or not user.check_password(password):
        raise InvalidPasswordError()


# ---------------------------------------------------------------------------------------------
# TOTP
# ---------------------------------------------------------------------------------------------


def totp_enrolment_describe(*, device: TOTPDevice) -> TotpEnrolment:
    """The secret, URI and QR code of a TOTP device (account: the user's email; issuer: OTP_TOTP_ISSUER)."""
    secret = base64.b32encode(device.bin_key).decode("ascii")
    uri = device.config_url
    image = qrcode.make(uri, image_factory=PilImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    qr_code = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return TotpEnrolment(device=device, secret=secret, otpauth_uri=uri, qr_code=qr_code)


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TotpEnrolment:
    """Start enrolling an authenticator app: a new unconfirmed TOTP device, replacing any unconfirmed one.

    Raises ``totp_already_enabled`` (409) when the user has a confirmed TOTP device.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()  # one enrolment at a time per user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ConflictError("An authenticator app is already set up.", code="totp_already_enabled")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return totp_enrolment_describe(device=device)


def totp_enrolment_confirm(*, user: User, code: str) -> TOTPDevice:
    """Confirm the pending authenticator app with a code it shows.

    Raises ``totp_already_enabled`` (409), ``totp_enrolment_not_found`` (404), ``invalid_code``
    (400) or ``too_many_attempts`` (429).
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ConflictError("An authenticator app is already set up.", code="totp_already_enabled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise NotFoundError("Start setting up an authenticator app first.", code="totp_enrolment_not_found")
    gone = NotFoundError("This set-up was restarted; use the new one.", code="totp_enrolment_not_found")
    _verify_on_device(device=device, code=(code or "").strip().replace(" ", ""), gone=gone)
    with transaction.atomic():
        if not TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True):
            raise gone  # replaced by a new enrolment between the check and here
    device.confirmed = True
    return device


# ---------------------------------------------------------------------------------------------
# Email codes
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def email_device_enable(*, user: User) -> EmailDevice:
    """Send second-factor codes to the user's (verified) email.

    Raises ``email_unverified`` (400) or ``email_otp_already_enabled`` (409).
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    if not user.is_email_verified:
        raise ApplicationError("Verify your email address first.", code="email_unverified")
    if EmailDevice.objects.filter(user=user, confirmed=True).exists():
        raise ConflictError("Email codes are already on.", code="email_otp_already_enabled")
    EmailDevice.objects.filter(user=user, confirmed=False).delete()
    # No address of its own: codes go to user.email, whatever it is when they are sent.
    return EmailDevice.objects.create(user=user, name=EMAIL_DEVICE_NAME, confirmed=True, email=None)


@transaction.atomic
def email_device_disable(*, user: User, password: str) -> None:
    """Stop sending codes by email. Raises ``invalid_password`` (400) or ``email_otp_not_enabled`` (404)."""
    _check_password(user=user, password=password)
    deleted, _ = EmailDevice.objects.filter(user=user).delete()
    if not deleted:
        raise NotFoundError("Email codes are not on.", code="email_otp_not_enabled")


# ---------------------------------------------------------------------------------------------
# SMS codes through Twilio
# ---------------------------------------------------------------------------------------------


def _send_sms_challenge(device_id: int) -> None:
    device = TwilioSMSDevice.objects.filter(pk=device_id).first()
    if device is not None:
        device.generate_challenge()  # saves the code on the device, then sends it (or logs it)


@transaction.atomic
def sms_enrolment_start(*, user: User, phone_number: str) -> TwilioSMSDevice:
    """Enrol a phone number for SMS codes: an unconfirmed device, and a code sent to it after commit.

    Raises ``invalid_phone_number`` (400) or ``sms_already_enabled`` (409).
    """
    phone_number = re.sub(r"[\s\-().]", "", phone_number or "")
    if not E164.match(phone_number):
        raise ApplicationError(
            "Enter the phone number in international format, for example +447700900123.",
            code="invalid_phone_number",
        )
    User.objects.select_for_update().filter(pk=user.pk).first()
    if TwilioSMSDevice.objects.filter(user=user, confirmed=True).exists():
        raise ConflictError("SMS codes are already on.", code="sms_already_enabled")
    TwilioSMSDevice.objects.filter(user=user, confirmed=False).delete()
    device = TwilioSMSDevice.objects.create(user=user, name=SMS_DEVICE_NAME, number=phone_number, confirmed=False)
    after_commit(_send_sms_challenge, device.pk)
    return device


def sms_enrolment_confirm(*, user: User, code: str) -> TwilioSMSDevice:
    """Confirm the pending phone number with the code sent to it.

    Raises ``sms_already_enabled`` (409), ``sms_enrolment_not_found`` (404), ``invalid_code``
    (400) or ``too_many_attempts`` (429).
    """
    if TwilioSMSDevice.objects.filter(user=user, confirmed=True).exists():
        raise ConflictError("SMS codes are already on.", code="sms_already_enabled")
    device = TwilioSMSDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise NotFoundError("Enrol a phone number first.", code="sms_enrolment_not_found")
    gone = NotFoundError("This phone number was replaced; confirm the new one.", code="sms_enrolment_not_found")
    _verify_on_device(device=device, code=(code or "").strip(), gone=gone)
    with transaction.atomic():
        if not TwilioSMSDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True):
            raise gone  # replaced by a new enrolment between the check and here
    device.confirmed = True
    return device


# ---------------------------------------------------------------------------------------------
# Backup codes, and turning two-factor off
# ---------------------------------------------------------------------------------------------


def backup_codes_reissue(*, user: User, password: str) -> list[str]:
    """Check the password, then replace the user's backup codes with ten new single-use ones.

    Raises ``invalid_password`` (400). The codes are returned once and never shown again.
    """
    _check_password(user=user, password=password)
    return backup_codes_regenerate(user=user)


def two_factor_disable(*, user: User, password: str, code: str) -> int:
    """Turn two-factor off: check the password and a current code, then delete every device.

    Raises ``two_factor_not_enabled`` (409), ``invalid_password`` (400), ``invalid_code`` (400)
    or ``too_many_attempts`` (429). Returns how many devices were deleted.
    """
    if not any(True for _ in devices_for_user(user, confirmed=True)):
        raise ConflictError("Two-factor authentication is not on.", code="two_factor_not_enabled")
    _check_password(user=user, password=password)
    second_factor_verify(user=user, code=code)
    with transaction.atomic():
        deleted = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            deleted += 1
    return deleted
