"""API authentication: knox tokens and Django sessions, refused once their device is revoked.

Each also notes the device's last use (at most one write a minute), refuses accounts that
were deleted, and refuses writes (any unsafe method) from suspended or banned accounts with
``account_suspended`` / ``account_banned``. That check sits here rather than in a permission
class so that no endpoint's own permission list can leave it out.
"""

from __future__ import annotations

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS

from accounts import selectors
from accounts.standing import standing_error
from core.errors import ApplicationAPIException


def device_touch(**kwargs):
    # Imported late: DRF imports this module while rest_framework.views (which core.errors,
    # under the services, needs) is still loading.
    from accounts.services.access import device_touch as touch

    touch(**kwargs)


def _refuse_writes_in_bad_standing(request, user) -> None:
    if request.method not in SAFE_METHODS:
        error = standing_error(user)
        if error is not None:
            raise ApplicationAPIException(error)


class DeviceTokenAuthentication(TokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        """Whether ``auth_token`` has expired (then it is deleted). knox also lists every other
        token of the user on each request to delete the expired ones, one query per request;
        here that sweep is the hourly ``accounts.auth_tokens_expired_delete`` task instead."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth_token = result
        if user.deleted_at is not None:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        device = selectors.device_for_token(auth_token=auth_token)
        if device is not None:
            if device.revoked_at is not None:
                raise exceptions.AuthenticationFailed("This device was signed out.")
            device_touch(device=device, ip=request.META.get("REMOTE_ADDR"))
        _refuse_writes_in_bad_standing(request, user)
        return user, auth_token


class DeviceSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        device = selectors.device_for_session_key(session_key=request._request.session.session_key)
        if device is not None:
            if device.revoked_at is not None or device.user_id != user.pk:
                request._request.session.flush()
                return None
            device_touch(device=device, ip=request.META.get("REMOTE_ADDR"))
        _refuse_writes_in_bad_standing(request, user)
        return result
