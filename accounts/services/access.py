"""Logging in and out, second factors at login, devices (sessions and tokens), login history.

A login is: throttle check, credentials, account standing, then either a second-factor
challenge or :func:`login_complete`, which opens a session or issues a knox token and records
an :class:`AuthDevice`. Every attempt leaves a :class:`LoginEvent`.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, F, Func
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from knox.models import get_token_model

from accounts.models import AuthDevice, LoginEvent, User
from accounts.services.auth_emails import email_send_templated
from accounts.standing import standing_error
from core.errors import ApplicationError

SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"
_CHALLENGE_SALT = "accounts.login.challenge"
_DB_SESSION_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


class LoginThrottledError(ApplicationError):
    """Too many attempts; ``retry_after`` is in seconds."""

    status_code = 429
    default_code = "throttled"
    default_message = "Too many attempts. Try again later."

    def __init__(self, *, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(extra={"retry_after": self.retry_after})


@dataclass(frozen=True)
class ClientInfo:
    """Who is knocking: the client's IP and User-Agent header."""

    ip: str | None
    user_agent: str

    @classmethod
    def from_request(cls, request: Any) -> ClientInfo:
        return cls(
            ip=request.META.get("REMOTE_ADDR") or None, user_agent=request.META.get("HTTP_USER_AGENT", "")[:1000]
        )


@dataclass
class LoginResult:
    user: User
    two_factor_required: bool = False
    challenge: str | None = None
    methods: list[str] = field(default_factory=list)
    device: AuthDevice | None = None
    token: str | None = None
    token_expiry: datetime | None = None


# ---------------------------------------------------------------------------------------------
# Throttling: fixed windows, counted with cache.add + cache.incr (atomic in locmem and Redis)
# ---------------------------------------------------------------------------------------------


def _throttle_count(*, key: str, window: int, now: float) -> tuple[int, int]:
    """Count one attempt in the current window; returns (count, seconds left in the window)."""
    index = int(now // window)
    window_key = f"{key}:{index}"
    cache.add(window_key, 0, timeout=window + 1)
    try:
        count = cache.incr(window_key)
    except ValueError:  # expired between add and incr
        cache.add(window_key, 0, timeout=window + 1)
        count = cache.incr(window_key)
    return count, math.ceil((index + 1) * window - now)


def _account_throttle_key(email: str) -> str:
    return "login:account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def login_throttle_hit(*, ip: str | None, email: str) -> None:
    """Count a login attempt against the IP and the account; raise :class:`LoginThrottledError`
    (carrying the seconds to wait) once either is over its limit for the window.

    Every attempt counts, the refused ones too; a success clears the account's count (so its
    owner is not locked out by their own typos) but never the IP's.
    """
    window = settings.LOGIN_THROTTLE_WINDOW
    now = time.time()
    ip_count, ip_left = _throttle_count(key=f"login:ip:{ip}", window=window, now=now)
    account_count, account_left = _throttle_count(key=_account_throttle_key(email), window=window, now=now)
    waits = []
    if ip_count > settings.LOGIN_THROTTLE_PER_IP:
        waits.append(ip_left)
    if account_count > settings.LOGIN_THROTTLE_PER_ACCOUNT:
        waits.append(account_left)
    if waits:
        raise LoginThrottledError(retry_after=max(waits))


def _login_throttle_clear_account(*, email: str) -> None:
    index = int(time.time() // settings.LOGIN_THROTTLE_WINDOW)
    cache.delete(f"{_account_throttle_key(email)}:{index}")


# ---------------------------------------------------------------------------------------------
# Login history
# ---------------------------------------------------------------------------------------------


def login_event_record(*, email: str, reason: str, client: ClientInfo, user: User | None = None) -> LoginEvent:
    """Append one attempt to the login history."""
    return LoginEvent.objects.create(
        user=user,
        email=email[:254],
        success=reason == LoginEvent.Reason.OK,
        reason=reason,
        ip=client.ip,
        user_agent=client.user_agent,
    )


# ---------------------------------------------------------------------------------------------
# The password step
# ---------------------------------------------------------------------------------------------


def _user_for_credentials(*, email: str, password: str) -> User | None:
    """The account these credentials open, including one deleted within the grace period."""
    email = email.strip()
    grace_start = timezone.now() - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
    user = User.all_objects.filter(email__iexact=email).first()
    if user is not None and user.deleted_at is not None and user.deleted_at < grace_start:
        user = None
    if user is None:
        # Hash anyway, so a missing account takes as long as a wrong password.
        User().set_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def login_standing_reason(*, user: User) -> str | None:
    """Raise ``account_banned`` / ``account_suspended`` (403) for an account that may not log in."""
    if user.banned_at is not None:
        return LoginEvent.Reason.BANNED
    if user.suspended_until is not None and user.suspended_until > timezone.now():
        return LoginEvent.Reason.SUSPENDED
    return None


def login_refuse_for_standing(*, user: User, reason: str) -> None:
    """Refuse the login with the account's standing error, and what it needs to appeal.

    A suspended or banned user cannot sign in to appeal, so the refusal names the action in
    force and carries a signed ``appeal_token`` for it (see accounts.services.moderation).
    """
    from accounts.selectors import restriction_in_force
    from accounts.services.moderation import appeal_token_for

    error = standing_error(user)
    action = restriction_in_force(user=user)
    if action is not None:
        error.extra.update({"action": str(action.id), "appeal_token": appeal_token_for(action=action)})
    raise error


def otp_method_name(device: Device) -> str:
    """``totp``, ``static``, ``email``, ``twiliosms``...: the device's model name without "device"."""
    return device._meta.model_name.removesuffix("device")


def login_password(*, request: Any, email: str, password: str, client: str, device_name: str = "") -> LoginResult:
    """The first (often only) step of a login. See the module docstring.

    Raises ``throttled`` (429), ``invalid_credentials`` (400, wrong email and wrong password
    alike), ``account_banned`` / ``account_suspended`` (403). Returns a completed login, or a
    challenge when the account has a confirmed second factor.
    """
    info = ClientInfo.from_request(request)
    try:
        login_throttle_hit(ip=info.ip, email=email)
    except LoginThrottledError:
        login_event_record(email=email, reason=LoginEvent.Reason.THROTTLED, client=info)
        raise
    user = _user_for_credentials(email=email, password=password)
    if user is None:
        login_event_record(email=email, reason=LoginEvent.Reason.INVALID_CREDENTIALS, client=info)
        raise ApplicationError("Wrong email or password.", code="invalid_credentials")
    refusal = login_standing_reason(user=user)
    if refusal:
        login_event_record(email=email, reason=refusal, client=info, user=user)
        login_refuse_for_standing(user=user, reason=refusal)
    _login_throttle_clear_account(email=email)
    challenge = login_challenge_start(request=request, user=user, client=client, device_name=device_name, email=email)
    if challenge is not None:
        return challenge
    return login_complete(request=request, user=user, client=client, device_name=device_name, email=email)


def login_challenge_start(*, request: Any, user: User, client: str, device_name: str, email: str) -> LoginResult | None:
    """The second-factor challenge for ``user``, or None when they have no confirmed device.

    Shared by every first step (password, OAuth): it records ``two_factor_required`` and returns
    the signed challenge and the methods the user has; ``login/verify/`` completes it.
    """
    otp_devices = list(devices_for_user(user, confirmed=True))
    if not otp_devices:
        return None
    login_event_record(
        email=email, reason=LoginEvent.Reason.TWO_FACTOR_REQUIRED, client=ClientInfo.from_request(request), user=user
    )
    challenge = signing.dumps(
        {"u": str(user.pk), "n": secrets.token_urlsafe(16), "c": client, "d": device_name, "e": email},
        salt=_CHALLENGE_SALT,
    )
    methods = list(dict.fromkeys(otp_method_name(device) for device in otp_devices))
    return LoginResult(user=user, two_factor_required=True, challenge=challenge, methods=methods)


# ---------------------------------------------------------------------------------------------
# The second-factor step
# ---------------------------------------------------------------------------------------------


def challenge_client(*, challenge: str) -> str | None:
    """The client ("session" or "token") a two-step login's challenge was started for, if it is valid."""
    try:
        return signing.loads(challenge, salt=_CHALLENGE_SALT, max_age=settings.LOGIN_CHALLENGE_TTL).get("c")
    except signing.BadSignature:
        return None


def _challenge_load(*, challenge: str) -> tuple[User, dict[str, str]]:
    try:
        data = signing.loads(challenge, salt=_CHALLENGE_SALT, max_age=settings.LOGIN_CHALLENGE_TTL)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        data = None
    user = None
    if data is not None and not cache.get(f"login:challenge:used:{data['n']}"):
        user = User.all_objects.filter(pk=data["u"]).first()
    if user is None:
        raise ApplicationError("This login has expired. Start again with your password.", code="invalid_challenge")
    return user, data


def _otp_device_pick(*, user: User, method: str | None, code: str | None) -> Device:
    devices = list(devices_for_user(user, confirmed=True))
    if method:
        device = next((device for device in devices if otp_method_name(device) == method), None)
    else:
        from accounts.selectors import otp_device_for_token

        device = otp_device_for_token(user=user, token=code or "")
    if device is None:
        raise ApplicationError("Choose one of the offered methods.", code="invalid_method")
    return device


def login_second_factor_verify(*, request: Any, challenge: str, code: str, method: str | None = None) -> LoginResult:
    """Finish a two-step login with a code from the chosen (or guessed) device.

    Raises ``invalid_challenge`` (400: expired, forged or used), ``invalid_method`` (400),
    ``throttled`` (429, django-otp's per-device back-off), ``invalid_code`` (400),
    ``account_banned`` / ``account_suspended`` (403).
    """
    info = ClientInfo.from_request(request)
    user, data = _challenge_load(challenge=challenge)
    device = _otp_device_pick(user=user, method=method, code=code)
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        raise LoginThrottledError(retry_after=math.ceil(wait))
    # verify_token throttles by itself (throttle_reset on success, throttle_increment on failure),
    # and a TOTP device refuses a code it already accepted.
    if not device.verify_token(code.strip()):
        login_event_record(email=data["e"], reason=LoginEvent.Reason.TWO_FACTOR_FAILED, client=info, user=user)
        raise ApplicationError("This code is not right.", code="invalid_code")
    # Single use: only the first request to get here with this challenge goes on.
    if not cache.add(f"login:challenge:used:{data['n']}", 1, timeout=settings.LOGIN_CHALLENGE_TTL + 5):
        raise ApplicationError("This login has expired. Start again with your password.", code="invalid_challenge")
    refusal = login_standing_reason(user=user)
    if refusal:
        login_event_record(email=data["e"], reason=refusal, client=info, user=user)
        login_refuse_for_standing(user=user, reason=refusal)
    return login_complete(
        request=request, user=user, client=data["c"], device_name=data["d"], email=data["e"], otp_device=device
    )


def login_code_send(*, challenge: str, method: str) -> None:
    """Have an interactive device (email, SMS) send its code. ``invalid_method`` for a device
    that has nothing to send (TOTP, backup codes); ``throttled`` (429) while its cooldown runs."""
    user, _data = _challenge_load(challenge=challenge)
    device = _otp_device_pick(user=user, method=method, code=None)
    if type(device).generate_challenge is Device.generate_challenge:
        raise ApplicationError("This method has no code to send.", code="invalid_method")
    if hasattr(device, "generate_is_allowed"):
        allowed, details = device.generate_is_allowed()
        if not allowed:
            next_at = (details or {}).get("next_generation_at")
            wait = (next_at - timezone.now()).total_seconds() if next_at else 1
            raise LoginThrottledError(retry_after=math.ceil(wait))
    device.generate_challenge()


# ---------------------------------------------------------------------------------------------
# Completing a login: a session or a token, and its device row
# ---------------------------------------------------------------------------------------------


def session_key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def user_agent_describe(user_agent: str) -> tuple[str, str]:
    """(name, platform) for a User-Agent header, e.g. ("Chrome on Mac OS X", "Mac OS X")."""
    if not user_agent:
        return "Unknown device", ""
    # Imported here, as ads.traffic does: ua-parser (with PyYAML) is only needed when a login
    # completes, and the web process starts without it (tests/core/test_lazy_imports.py).
    from ua_parser import parse as parse_user_agent

    parsed = parse_user_agent(user_agent).with_defaults()
    browser = parsed.user_agent.family
    platform = parsed.os.family
    if browser == "Other" and platform == "Other":
        return user_agent[:100], ""
    if platform == "Other":
        return browser[:100], ""
    return f"{browser} on {platform}"[:100], platform[:50]


@transaction.atomic
def login_complete(
    *,
    request: Any,
    user: User,
    client: str,
    device_name: str = "",
    email: str = "",
    otp_device: Device | None = None,
) -> LoginResult:
    """Log ``user`` in: restore a deleted account (within the grace period), open a session
    (``client="session"``) or issue a knox token (``client="token"``), record the device, the
    login event, and email the user when the device is new to them."""
    info = ClientInfo.from_request(request)
    if user.deleted_at is not None:
        user.restore()
    fingerprint = hashlib.sha256(info.user_agent.encode()).hexdigest()
    seen_before = AuthDevice.objects.filter(user=user, user_agent_fingerprint=fingerprint).exists()
    name, platform = user_agent_describe(info.user_agent)
    now = timezone.now()
    device = AuthDevice(
        user=user,
        kind=client,
        name=(device_name or name)[:100],
        platform=platform,
        user_agent=info.user_agent,
        user_agent_fingerprint=fingerprint,
        last_ip=info.ip,
        last_seen_at=now,
        two_factor_verified=otp_device is not None,
    )
    result = LoginResult(user=user, device=device)
    if client == AuthDevice.Kind.SESSION:
        if otp_device is not None:
            user.otp_device = otp_device  # django-otp marks the session verified on login
        auth.login(request, user, backend=SESSION_BACKEND)
        device.session_key_hash = session_key_hash(request.session.session_key)
    else:
        auth_token, token = get_token_model().objects.create(user=user, expiry=settings.AUTH_TOKEN_TTL)
        device.token_key = auth_token.token_key
        result.token, result.token_expiry = token, auth_token.expiry
        user.last_login = now
        user.save(update_fields=["last_login"])
    device.save()
    login_event_record(email=email or user.email, reason=LoginEvent.Reason.OK, client=info, user=user)
    if not seen_before:
        email_send_templated(
            to=user.email,
            template="new_device",
            context={"user": user, "when": now, "device_name": device.name, "ip": info.ip},
        )
    return result


class _Sha256Hex(Func):
    """PostgreSQL's built-in sha256() as lowercase hex (Django's SHA256 needs pgcrypto)."""

    template = "ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')"
    output_field = CharField()


# ---------------------------------------------------------------------------------------------
# Revoking: one device, all of a user's, logging out
# ---------------------------------------------------------------------------------------------


def _devices_revoke(*, user: User, devices: list[AuthDevice]) -> int:
    """Delete the tokens and sessions behind ``devices`` and mark them revoked."""
    if not devices:
        return 0
    token_keys = [device.token_key for device in devices if device.kind == AuthDevice.Kind.TOKEN]
    hashes = [device.session_key_hash for device in devices if device.kind == AuthDevice.Kind.SESSION]
    if token_keys:
        get_token_model().objects.filter(user=user, token_key__in=token_keys).delete()
    if hashes and settings.SESSION_ENGINE in _DB_SESSION_ENGINES:
        # Only the hash is stored; PostgreSQL hashes the keys to find the rows.
        keys = Session.objects.annotate(key_hash=_Sha256Hex("session_key")).filter(key_hash__in=hashes)
        sessions_delete(session_keys=list(keys.values_list("session_key", flat=True)))
    # Other session engines: the session stays in its store, and authentication refuses it.
    # Push tokens registered from these devices die with them.
    from notifications.services import push_tokens_disable_for_devices

    push_tokens_disable_for_devices(device_ids=[device.pk for device in devices])
    return AuthDevice.objects.filter(pk__in=[device.pk for device in devices], revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )


def sessions_delete(*, session_keys: list[str]) -> None:
    """End these sessions in the configured session store: with ``cached_db`` (the default)
    both the cached copy and the database row go, so no process reads the session again."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in session_keys:
        store(session_key=key).delete()


def auth_tokens_expired_delete() -> int:
    """Delete every API token past its expiry (authentication refuses them already); returns how
    many. Run hourly by beat, so token authentication needn't sweep on each request."""
    deleted, _ = get_token_model().objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def device_revoke(*, user: User, device_id: uuid.UUID) -> AuthDevice:
    """Sign one of ``user``'s devices out. Another user's, unknown or revoked: ``not_found``."""
    from core.errors import NotFoundError

    device = AuthDevice.objects.select_for_update().filter(pk=device_id, user=user, revoked_at__isnull=True).first()
    if device is None:
        raise NotFoundError("No such device.", code="not_found")
    _devices_revoke(user=user, devices=[device])
    device.refresh_from_db()
    return device


@transaction.atomic
def user_access_revoke_all(*, user: User, keep_device_id: uuid.UUID | None = None) -> int:
    """Sign ``user`` out everywhere but ``keep_device_id``: every session and token they hold.

    Returns how many were revoked (devices, plus any token issued without a device row).
    """
    devices = list(
        AuthDevice.objects.select_for_update().filter(user=user, revoked_at__isnull=True).exclude(pk=keep_device_id)
    )
    count = _devices_revoke(user=user, devices=devices)
    kept = AuthDevice.objects.filter(pk=keep_device_id, kind=AuthDevice.Kind.TOKEN).values_list("token_key", flat=True)
    orphans, _ = get_token_model().objects.filter(user=user).exclude(token_key__in=list(kept)).delete()
    if keep_device_id is None:
        # Sessions made without a device row (the admin's, the studio's) end too: Django drops a
        # session whose auth hash no longer matches, and the hash covers the epoch.
        User.all_objects.filter(pk=user.pk).update(auth_epoch=F("auth_epoch") + 1)
    return count + orphans


@transaction.atomic
def logout(*, request: Any, device: AuthDevice | None) -> None:
    """End the caller's own session or token, and mark its device revoked."""
    if device is not None:
        _devices_revoke(user=device.user, devices=[device])
    auth_token = getattr(request, "auth", None)
    if isinstance(auth_token, get_token_model()):
        auth_token.delete()
    else:
        auth.logout(request)


@transaction.atomic
def logout_all(*, request: Any, user: User) -> int:
    """End every session and token of the caller, this one included. Returns how many."""
    count = user_access_revoke_all(user=user)
    if not isinstance(getattr(request, "auth", None), get_token_model()):
        auth.logout(request)
    return count


def device_touch(*, device: AuthDevice, ip: str | None) -> None:
    """Note that ``device`` was just used; writes at most once a minute per device."""
    now = timezone.now()
    if device.last_seen_at is not None and device.last_seen_at >= now - timedelta(minutes=1):
        return  # seen a moment ago: no query at all on this request
    AuthDevice.objects.filter(
        pk=device.pk, revoked_at__isnull=True, last_seen_at__lt=now - timedelta(minutes=1)
    ).update(last_seen_at=now, last_ip=ip)
