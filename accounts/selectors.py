from __future__ import annotations

from datetime import datetime

from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import DataExport, User


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


# --- Profiles, deletion, export -----------------------------------------------------------------


def profile_by_handle(*, handle: str) -> User | None:
    """The public profile behind ``handle`` (any case); None for unknown, deleted or banned accounts."""
    return User.objects.filter(handle__iexact=handle, banned_at__isnull=True).first()


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
