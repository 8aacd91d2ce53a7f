"""Changing and resetting passwords."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AuthDevice, User
from accounts.services.access import session_key_hash, user_access_revoke_all
from accounts.services.auth_emails import email_send_templated, site_link, uid_encode
from accounts.services.registration import user_from_uid
from accounts.tokens import password_reset_token_generator
from core.errors import ApplicationError


def _password_validate(*, user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), code="weak_password") from None


@transaction.atomic
def password_change(
    *, request: Any, user: User, current_password: str, new_password: str, device: AuthDevice | None
) -> int:
    """Change the password and sign out every other device (``device``, the caller's, stays).

    Raises ``invalid_password`` (400) for a wrong current password, ``weak_password`` (400).
    Returns how many devices were signed out.
    """
    if not user.check_password(current_password):
        raise ApplicationError("The current password is not right.", code="invalid_password")
    _password_validate(user=user, password=new_password)
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    revoked = user_access_revoke_all(user=user, keep_device_id=device.pk if device else None)
    if device is not None and device.kind == AuthDevice.Kind.SESSION:
        # The session survives the new password hash under a new key; the device follows it.
        update_session_auth_hash(request, user)
        device.session_key_hash = session_key_hash(request.session.session_key)
        device.save(update_fields=["session_key_hash", "updated_at"])
    return revoked


def password_reset_request(*, email: str) -> None:
    """Email a reset link when ``email`` has a live account; nothing otherwise (the caller says
    the same thing either way)."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active or not user.has_usable_password():
        return
    uid = uid_encode(user_id=user.pk)
    token = password_reset_token_generator.make_token(user)
    email_send_templated(
        to=user.email,
        template="password_reset",
        context={
            "user": user,
            "link": site_link(path="/reset-password/", uid=uid, token=token),
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from an emailed link and sign out every device.

    Raises ``invalid_token`` (400: wrong, used or expired link), ``weak_password`` (400).
    """
    user = user_from_uid(uid=uid)
    if user is not None:
        user = User.objects.select_for_update().get(pk=user.pk)
    if user is None or not password_reset_token_generator.check_token(user, token):
        raise ApplicationError("This link is invalid or has expired.", code="invalid_token")
    _password_validate(user=user, password=new_password)
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    user_access_revoke_all(user=user)
    return user
