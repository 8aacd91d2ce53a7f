"""API authentication: knox tokens and Django sessions, refused once their device is revoked.

A token request is one query: the token, its user and its device together
(:data:`TOKEN_WITH_USER_AND_DEVICE`, compiled once: ``core.compiled``). Each also notes the
device's last use (at most one write a minute), refuses accounts that
were deleted, and refuses writes (any unsafe method) from suspended or banned accounts with
``account_suspended`` / ``account_banned``. That check sits here rather than in a permission
class so that no endpoint's own permission list can leave it out.
"""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.db.models import BooleanField, JSONField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS

from accounts import selectors
from accounts.standing import standing_error
from core.compiled import CompiledQuery, Param
from core.errors import ApplicationAPIException


def _token_with_user_and_device(token_key: Param):
    model = get_token_model()
    table = model._meta.db_table
    return (
        model.objects.filter(
            RawSQL(f'"{table}"."token_key" = %s', [token_key], output_field=BooleanField())  # noqa: S611 (the table name from the model; the key a parameter)
        )
        .select_related("user")
        .annotate(x_device=RawSQL(selectors.device_for_token_json_sql(token_table=table), [], output_field=JSONField()))  # noqa: S611
        .order_by()
    )


# The knox tokens with a key, each with its user and (as one JSON column) its device: the
# token, the user and the device were two queries, each built by the ORM on every request.
TOKEN_WITH_USER_AND_DEVICE = CompiledQuery(_token_with_user_and_device, "token_key", prepare=True)


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

    def authenticate_credentials(self, token):
        """knox's own check (each token with the key: expired ones deleted, the digest compared
        in constant time, auto-refresh, an active user), over one query that also reads the
        token's device (``auth_token.device``: an :class:`AuthDevice` or None)."""
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        for auth_token in TOKEN_WITH_USER_AND_DEVICE(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                auth_token.device = selectors.device_from_json(auth_token.x_device)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth_token = result
        if user.deleted_at is not None:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        device = auth_token.device
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
