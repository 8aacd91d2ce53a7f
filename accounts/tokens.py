"""Expiring, single-use tokens for emailed links (email verification, password reset)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Like Django's reset tokens, but for verifying an email address.

    The hash covers the email and ``email_verified_at``: a token stops working once the address
    is verified (single use) or changed. It expires after ``settings.EMAIL_VERIFICATION_TIMEOUT``.
    """

    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        verified = "" if user.email_verified_at is None else user.email_verified_at.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.email}{verified}{timestamp}"

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return (self._num_seconds(self._now()) - ts) <= settings.EMAIL_VERIFICATION_TIMEOUT


email_verification_token_generator = EmailVerificationTokenGenerator()
# Django's own: its hash covers the password hash and last login, so a link works once.
password_reset_token_generator = default_token_generator
