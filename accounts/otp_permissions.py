"""API permission for staff endpoints: staff, and a second factor verified for this very request.

- Session requests: django-otp's ``OTPMiddleware`` marks the session's user verified once they
  logged in with a code (``django_otp.login``); ``request.user.is_verified()`` says so.
- Token requests (knox): the token's device row says whether it was issued after a second
  factor (``accounts.selectors.request_second_factor_verified``); a token without one is refused.
"""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission


def session_second_factor_verified(*, request) -> bool:
    """Whether the session behind this request was verified with a second factor (django-otp)."""
    django_user = getattr(request._request, "user", None)  # the user OTPMiddleware wrapped
    is_verified = getattr(django_user, "is_verified", None)
    return bool(
        django_user is not None
        and django_user.is_authenticated
        and django_user.pk == request.user.pk
        and callable(is_verified)
        and is_verified()
    )


def token_second_factor_verified(*, request) -> bool:
    """Whether the token behind this request was issued after a second factor (its device says)."""
    from accounts.selectors import request_second_factor_verified

    return request_second_factor_verified(request=request)


def second_factor_verified(*, request) -> bool:
    """A second factor verified for this request, by whichever authenticator let it in."""
    if isinstance(request.successful_authenticator, SessionAuthentication):
        return session_second_factor_verified(request=request)
    return token_second_factor_verified(request=request)


class IsStaffWithSecondFactor(BasePermission):
    """Staff only, and only with a second factor verified for this request.

    403 ``staff_only`` for anyone else signed in; 403 ``second_factor_required`` for staff who
    signed in with a password alone. (Anonymous requests get DRF's 401 ``not_authenticated``.)
    """

    message = "Staff only."
    code = "staff_only"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.is_staff:
            return False
        if not second_factor_verified(request=request):
            self.message = "Sign in with a second factor to use staff endpoints."
            self.code = "second_factor_required"
            return False
        return True
