"""Writes on accounts. The full accounts capability (sign-up, 2FA, roles, ...) builds on these."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.handles import validate_handle
from accounts.models import User
from accounts.services.roles import roles_assign_default
from core.errors import ApplicationError, ConflictError

BACKUP_CODE_COUNT = 10


@transaction.atomic
def user_create(
    *,
    email: str,
    handle: str,
    password: str | None,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    check_password: bool = True,
) -> User:
    """Create an account. Raises ``invalid_*``/``weak_password`` (400), then ``handle_taken``, then
    ``email_taken`` (409).

    That order is deliberate: everything that does not depend on the email is checked first, so
    a caller that hides ``email_taken`` (registration) answers a new and a taken email alike.
    """
    email = User.objects.normalize_email(email.strip())
    try:
        validate_handle(handle)
    except ValidationError as error:
        raise ApplicationError(error.messages[0], code=error.code or "invalid_handle") from None
    user = User(email=email, handle=handle, display_name=display_name, is_staff=is_staff, is_superuser=is_superuser)
    if password is not None and check_password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ApplicationError(" ".join(error.messages), code="weak_password") from None
    if User.all_objects.filter(handle__iexact=handle).exists():
        raise ConflictError("This handle is taken.", code="handle_taken")
    if User.all_objects.filter(email__iexact=email).exists():
        raise ConflictError("An account with this email exists.", code="email_taken")
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Another request took the email or handle between our check and the insert.
        if User.all_objects.filter(handle__iexact=handle).exists():
            raise ConflictError("This handle is taken.", code="handle_taken") from None
        if User.all_objects.filter(email__iexact=email).exists():
            raise ConflictError("An account with this email exists.", code="email_taken") from None
        raise ConflictError("An account with this email or handle exists.", code="account_exists") from None
    roles_assign_default(user=user)
    return user


@transaction.atomic
def backup_codes_regenerate(*, user: User, count: int = BACKUP_CODE_COUNT) -> list[str]:
    """Replace the user's static backup codes with ``count`` new single-use ones, and return them."""
    device, _created = StaticDevice.objects.select_for_update().get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
