"""Ending a user's sessions and tokens. (Interim: replaced by the devices work at merge.)"""

from __future__ import annotations

import uuid

from django.contrib.sessions.models import Session
from knox.models import AuthToken

from accounts.models import User


def user_access_revoke_all(*, user: User, keep_device_id: uuid.UUID | None = None) -> int:
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    for session in Session.objects.all().iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            revoked += 1
    return revoked
