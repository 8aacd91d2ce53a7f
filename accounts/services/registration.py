"""Signing up and verifying an email address."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from accounts.models import User
from accounts.services.auth_emails import email_send_templated, site_link, uid_encode
from accounts.services.users import user_create
from accounts.tokens import email_verification_token_generator
from core.errors import ApplicationError, ConflictError


@transaction.atomic
def user_register(*, email: str, password: str, handle: str, display_name: str = "") -> User | None:
    """Sign up. Returns the new account, or None when the email already has one.

    Whether the email is taken must not show: the caller answers both cases alike. A new account
    gets a verification link; the owner of a taken email gets a notice instead. Weak passwords
    (``weak_password``), bad handles (``invalid_handle``...) and taken handles (``handle_taken``,
    409: handles are public) are refused before the email is looked at.
    """
    try:
        user = user_create(email=email, handle=handle, password=password, display_name=display_name)
    except ConflictError as error:
        if error.code != "email_taken":
            raise
        owner = User.all_objects.get(email__iexact=User.objects.normalize_email(email.strip()))
        email_send_templated(to=owner.email, template="email_taken", context={"user": owner})
        return None
    email_verification_send(user=user)
    return user


def email_verification_send(*, user: User) -> None:
    """Email ``user`` a link that verifies their address. Refuses ``email_already_verified``."""
    if user.is_email_verified:
        raise ApplicationError("This email address is already verified.", code="email_already_verified")
    uid = uid_encode(user_id=user.pk)
    token = email_verification_token_generator.make_token(user)
    email_send_templated(
        to=user.email,
        template="verify_email",
        context={
            "user": user,
            "link": site_link(path="/verify-email/", uid=uid, token=token),
            "valid_days": settings.EMAIL_VERIFICATION_TIMEOUT // 86400,
        },
    )


def user_from_uid(*, uid: str) -> User | None:
    """The live account an emailed ``uid`` names, or None."""
    try:
        user_id = uuid.UUID(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=user_id).first()


@transaction.atomic
def email_verify(*, uid: str, token: str) -> User:
    """Mark the email verified. A wrong, used or expired link: ``invalid_token`` (400)."""
    user = user_from_uid(uid=uid)
    if user is not None:
        user = User.objects.select_for_update().get(pk=user.pk)
    if user is None or not email_verification_token_generator.check_token(user, token):
        raise ApplicationError("This link is invalid or has expired.", code="invalid_token")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at", "updated_at"])
    return user
