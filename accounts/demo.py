"""Demo accounts for ``manage.py seed_demo``."""

from __future__ import annotations

from accounts import selectors, services
from accounts.models import User

DEMO_USERS = [
    # (key, email, handle, display name, password, staff, superuser)
    ("admin", "admin@fanfare.local", "demo_admin", "Demo Admin", "fanfare-admin-demo", True, True),
    ("moderator", "moderator@fanfare.local", "demo_moderator", "Demo Moderator", "fanfare-moderator-demo", True, False),
    ("creator", "creator@fanfare.local", "demo_creator", "Demo Creator", "fanfare-creator-demo", False, False),
    ("viewer", "viewer@fanfare.local", "demo_viewer", "Demo Viewer", "fanfare-viewer-demo", False, False),
]


def seed(*, report) -> dict[str, User]:
    """Create the demo accounts unless they exist. Staff get backup codes for the admin's second factor."""
    users: dict[str, User] = {}
    for key, email, handle, display_name, password, staff, superuser in DEMO_USERS:
        user = selectors.user_by_email(email=email)
        created = user is None
        if created:
            user = services.user_create(
                email=email,
                handle=handle,
                password=password,
                display_name=display_name,
                is_staff=staff,
                is_superuser=superuser,
                check_password=False,
            )
        users[key] = user
        line = f"{key:<10} {email:<26} password: {password}"
        if staff:
            codes = selectors.backup_codes_unused(user=user) or services.backup_codes_regenerate(user=user)
            line += f"   backup code (second factor): {codes[0]}"
        report(line + ("" if created else "   (existing)"))
    return users
