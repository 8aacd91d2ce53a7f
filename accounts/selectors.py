from __future__ import annotations

from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import User


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def backup_codes_unused(*, user: User) -> list[str]:
    """The user's unused static backup codes, oldest first."""
    return list(
        StaticToken.objects.filter(device__user=user, device__name="backup")
        .order_by("id")
        .values_list("token", flat=True)
    )
