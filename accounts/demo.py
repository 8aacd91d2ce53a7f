"""Demo accounts for ``manage.py seed_demo``: one per role that matters, staff with second factors."""

from __future__ import annotations

import base64

from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.models import User
from accounts.services import roles, two_factor

DEMO_USERS = [
    # (key, email, handle, display name, password, roles, superuser)
    ("admin", "admin@fanfare.local", "demo_admin", "Demo Admin", "fanfare-admin-demo", ["admin"], True),
    ("moderator", "moderator@fanfare.local", "demo_moderator", "Demo Moderator", "fanfare-moderator-demo",
     ["moderator"], False),
    ("finance", "finance@fanfare.local", "demo_finance", "Demo Finance", "fanfare-finance-demo", ["finance"], False),
    ("creator", "creator@fanfare.local", "demo_creator", "Demo Creator", "fanfare-creator-demo", ["creator"], False),
    ("viewer", "viewer@fanfare.local", "demo_viewer", "Demo Viewer", "fanfare-viewer-demo", [], False),
]  # fmt: skip


def _totp_secret(user: User) -> str:
    """The moderator's authenticator secret (base32), enrolled through the real TOTP flow once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        enrolment = two_factor.totp_enrolment_start(user=user)
        two_factor.totp_enrolment_confirm(user=user, code=f"{TOTP(enrolment.device.bin_key).token():06d}")
        return enrolment.secret
    return base64.b32encode(device.bin_key).decode()


def seed(*, report) -> dict[str, User]:
    """Create the demo accounts unless they exist; give them their roles; staff get second factors."""
    users: dict[str, User] = {}
    for key, email, handle, display_name, password, role_names, superuser in DEMO_USERS:
        user = selectors.user_by_email(email=email)
        created = user is None
        if created:
            user = services.user_create(
                email=email,
                handle=handle,
                password=password,
                display_name=display_name,
                is_superuser=superuser,
                check_password=False,
            )
        # Demo addresses (.local) receive no mail: they count as verified, so the demo accounts
        # can like, comment, follow and chat straight away.
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=timezone.now())
        for role in ["user", *role_names]:
            roles.role_grant(user=user, role=role, by=None, reason="Demo data")
        user.refresh_from_db()
        users[key] = user
        line = f"{key:<10} {email:<26} password: {password}"
        if user.is_staff:
            codes = selectors.backup_codes_unused(user=user) or services.backup_codes_regenerate(user=user)
            line += f"   backup code (second factor): {codes[0]}"
        if key == "moderator":
            line += f"   authenticator secret: {_totp_secret(user)}"
        report(line + ("" if created else "   (existing)"))
    return users
