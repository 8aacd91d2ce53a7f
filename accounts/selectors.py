from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import DataExport, User


def users_with_handle(*, handle: str):
    """Accounts (all of them: filter for active ones) whose handle is ``handle`` in any case, as
    a queryset that PostgreSQL answers from the unique ``lower(handle)`` index. (``handle__iexact``
    compiles to ``UPPER(handle) = UPPER(...)``, which no index serves: a scan of every account,
    44 ms at 100,000 accounts, on every profile-feed page.)"""
    from django.db.models.functions import Lower

    return User.objects.alias(handle_lower=Lower("handle")).filter(handle_lower=handle.lower())


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def backup_codes_unused(*, user: User) -> list[str]:
    """The user's unused static backup codes, oldest first."""
    return list(
        StaticToken.objects.filter(device__user=user, device__name="backup")
        .order_by("id")
        .values_list("token", flat=True)
    )


def otp_device_for_token(*, user: User, token: str):
    """The second-factor device a code was meant for, when the user did not pick one.

    The user's only confirmed device; otherwise, by the code's shape, their TOTP device for
    six digits and their backup codes for anything else. None when it stays ambiguous.
    django-otp no longer tries every device in turn, since a miss counts as a failure
    against each one; this picks one device, so only that one is throttled.
    """
    from django_otp import devices_for_user
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = list(devices_for_user(user, confirmed=True))
    if len(devices) == 1:
        return devices[0]
    kind = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    candidates = [device for device in devices if isinstance(device, kind)]
    return candidates[0] if len(candidates) == 1 else None


def moderation_actions_of(*, user: User):
    """The user's warnings, suspensions and bans, newest first, with their appeals."""
    from accounts.models import ModerationAction

    return ModerationAction.objects.filter(user=user).select_related("appeal", "reference_type").order_by("-id")


def restriction_in_force(*, user: User):
    """The ban, or else the latest-ending suspension, that keeps ``user`` out now; None if none does."""
    from django.utils import timezone

    from accounts.models import ModerationAction

    active = ModerationAction.objects.filter(user=user, lifted_at__isnull=True)
    ban = active.filter(kind=ModerationAction.Kind.BAN).order_by("created_at").first()
    if ban:
        return ban
    return active.filter(kind=ModerationAction.Kind.SUSPENSION, ends_at__gt=timezone.now()).order_by("-ends_at").first()


def appeals_for_review(*, status: str | None = None):
    from accounts.models import Appeal

    appeals = Appeal.objects.select_related("user", "action", "action__created_by", "decided_by").order_by("-id")
    return appeals.filter(status=status) if status else appeals


# ---------------------------------------------------------------------------------------------
# Second factors (accounts.services.two_factor writes them)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecondFactor:
    """One of a user's second-factor devices, whatever its django-otp plugin."""

    kind: str  # totp | email | sms | backup_codes
    name: str
    confirmed: bool
    created: datetime | None


def _second_factor_kind(device) -> str:
    from django_otp.plugins.otp_email.models import EmailDevice
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    kinds = {TOTPDevice: "totp", EmailDevice: "email", StaticDevice: "backup_codes"}
    return kinds.get(type(device), "sms" if type(device).__name__ == "TwilioSMSDevice" else "other")


def second_factor_describe(*, device) -> SecondFactor:
    """One django-otp device as a :class:`SecondFactor`."""
    return SecondFactor(
        kind=_second_factor_kind(device),
        name=device.name,
        confirmed=device.confirmed,
        created=getattr(device, "created_at", None),  # Twilio's devices do not record it
    )


def second_factors_for_user(*, user: User) -> list[SecondFactor]:
    """Every second-factor device of the user, confirmed or not, oldest first (one query per plugin)."""
    from django_otp import devices_for_user

    factors = [second_factor_describe(device=device) for device in devices_for_user(user, confirmed=None)]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(factors, key=lambda factor: factor.created or epoch)


def two_factor_enabled(*, user: User) -> bool:
    """Whether the user holds at least one confirmed second-factor device."""
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def backup_codes_remaining(*, user: User) -> int:
    """How many unused backup codes the user has left."""
    return StaticToken.objects.filter(device__user=user, device__name="backup").count()


def totp_device_pending(*, user: User):
    """The user's unconfirmed TOTP device (an enrolment not finished yet), or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


# ---------------------------------------------------------------------------------------------
# Signing in: devices, login history, second factor of a request
# ---------------------------------------------------------------------------------------------


def device_for_token(*, auth_token):
    """The :class:`AuthDevice` of a knox token, revoked or not, or None."""
    from accounts.models import AuthDevice

    return AuthDevice.objects.filter(kind="token", token_key=auth_token.token_key, user_id=auth_token.user_id).first()


def device_for_token_json_sql(*, token_table: str) -> str:
    """SQL for the device of the token row of ``token_table`` in the outer query (as
    :func:`device_for_token` picks it: the first by id), as a JSON object of its columns, or NULL."""
    from accounts.models import AuthDevice

    fields = list(AuthDevice._meta.concrete_fields)
    columns = ", ".join(f"'{f.attname}', d.\"{f.column}\"" for f in fields)
    return (
        f"SELECT jsonb_build_object({columns}) FROM {AuthDevice._meta.db_table} d "  # noqa: S608 (names from the model)
        f'WHERE d.kind = \'token\' AND d.token_key = "{token_table}"."token_key" '
        f'AND d.user_id = "{token_table}"."user_id" ORDER BY d.id LIMIT 1'
    )


def device_from_json(data: dict | None):
    """The :class:`AuthDevice` that :func:`device_for_token_json_sql` read, or None."""
    from django.db import connection

    from accounts.models import AuthDevice

    if data is None:
        return None
    fields = AuthDevice._meta.concrete_fields
    names = [f.attname for f in fields]
    values = [None if data[f.attname] is None else f.to_python(data[f.attname]) for f in fields]
    return AuthDevice.from_db(connection.alias, names, values)


def device_for_session_key(*, session_key: str | None):
    """The :class:`AuthDevice` of a session (found by the key's SHA-256), revoked or not, or None."""
    import hashlib

    from accounts.models import AuthDevice

    if not session_key:
        return None
    key_hash = hashlib.sha256(session_key.encode()).hexdigest()
    return AuthDevice.objects.filter(kind="session", session_key_hash=key_hash).first()


def device_for_request(*, request):
    """The :class:`AuthDevice` behind the request's token or session, revoked or not; None when
    the request has neither (or they were issued without a device row)."""
    from knox.models import get_token_model

    auth_token = getattr(request, "auth", None)
    if isinstance(auth_token, get_token_model()):
        return device_for_token(auth_token=auth_token)
    session = getattr(request, "session", None)
    return device_for_session_key(session_key=getattr(session, "session_key", None))


def request_second_factor_verified(*, request) -> bool:
    """Whether the caller proved a second factor when they logged in.

    A session: django-otp's middleware says (``request.user.is_verified()``). A token: its
    device row, marked at login.
    """
    from knox.models import get_token_model

    if isinstance(getattr(request, "auth", None), get_token_model()):
        device = device_for_request(request=request)
        return bool(device and device.revoked_at is None and device.two_factor_verified)
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def devices_active(*, user):
    """The user's signed-in devices (not revoked); the API pages them newest first."""
    from accounts.models import AuthDevice

    return AuthDevice.objects.filter(user=user, revoked_at__isnull=True)


def login_events_of(*, user):
    """The user's own login history; the API pages it newest first."""
    from accounts.models import LoginEvent

    return LoginEvent.objects.filter(user=user)


# --- Profiles, deletion, export -----------------------------------------------------------------


# Whether ``viewer`` is kept from ``user``'s profile (the social app installs its block check in
# ``ready``: accounts cannot import social, which depends on it). None: nobody is hidden.
_profile_hidden_check: Callable[..., bool] | None = None


def profile_hidden_check_set(*, check: Callable[..., bool] | None) -> None:
    """Install ``check(viewer=..., user=...) -> bool``: True when ``user`` blocked ``viewer``."""
    global _profile_hidden_check
    _profile_hidden_check = check


def profile_by_handle(*, handle: str, viewer: Any = None) -> User | None:
    """The public profile behind ``handle`` (any case); None for unknown, deleted or banned
    accounts, suspended ones (but for the account itself and moderators), and for a ``viewer``
    the account has blocked (indistinguishable from unknown)."""
    user = User.objects.filter(handle__iexact=handle, banned_at__isnull=True).first()
    if user is not None and account_hidden_from(owner=user, viewer=viewer):
        return None  # suspended now: hidden from everyone but the account and moderators until it ends
    if user is None or viewer is None or not getattr(viewer, "is_authenticated", False) or viewer.pk == user.pk:
        return user
    if _profile_hidden_check is not None and _profile_hidden_check(viewer=viewer, user=user):
        return None
    return user


def users_due_for_purge(*, deleted_before: datetime):
    """Soft-deleted accounts whose deletion is older than ``deleted_before`` and not yet purged."""
    return (
        User.all_objects.filter(deleted_at__lt=deleted_before)
        .exclude(extra_metadata__has_key="purged_at")
        .order_by("deleted_at", "id")
    )


def data_exports_for_user(*, user: User):
    """The user's data exports, newest first."""
    return DataExport.objects.filter(user=user).order_by("-id")


def data_export_for_user(*, user: User, export_id) -> DataExport | None:
    """One of the user's own exports; None when it does not exist or belongs to someone else."""
    return DataExport.objects.filter(user=user, pk=export_id).first()


def oauth_identities_of(*, user):
    """The Google, Apple and GitHub identities linked to ``user``, oldest link first."""
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.filter(user=user).order_by("date_joined", "id")


def standing_error(user):
    """The error a suspended (``account_suspended``) or banned (``account_banned``) user gets, else None."""
    from accounts.standing import standing_error as error_for

    return error_for(user)


def posting_restriction_error(user):
    """``account_restricted`` (or the standing error) for a user who may not post, comment or chat now, else None."""
    from accounts.standing import posting_restriction_error as error_for

    return error_for(user)


def restriction_error(user):
    """``account_restricted`` while a restriction keeps ``user`` from posting, else None."""
    from accounts.standing import restriction_error as error_for

    return error_for(user)


def users_in_good_standing_q(*, prefix: str = "", now=None):
    """A filter on ``prefix`` (``"author__"``, ``"owner__"``) keeping users neither banned nor suspended
    at ``now`` (the time of the call unless given)."""
    from accounts.standing import in_good_standing_q

    return in_good_standing_q(prefix, now)


def account_hidden_from(*, owner, viewer) -> bool:
    """Whether a suspended or banned ``owner``'s content is hidden from ``viewer`` (not the owner,
    not a moderator): direct links to it answer 404."""
    from accounts.standing import account_hidden_from as hidden

    return hidden(owner=owner, viewer=viewer)


def out_of_standing_ids():
    """The ids of users suspended or banned now, as a subquery for ``field__in`` filters."""
    from accounts.standing import out_of_standing_ids as ids

    return ids()


def account_age_days(*, user) -> int:
    from django.utils import timezone

    return max(0, (timezone.now() - user.created_at).days)


def appeals_decided_counts(*, start, end) -> dict[str, int]:
    """Appeals decided in ``[start, end)``: ``{"accepted": n, "rejected": n}``."""
    from django.db.models import Count

    from accounts.models import Appeal

    rows = (
        Appeal.objects.filter(decided_at__gte=start, decided_at__lt=end)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = {"accepted": 0, "rejected": 0}
    counts.update(dict(rows))
    return counts
