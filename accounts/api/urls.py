"""The accounts API: /api/v1/auth/ (signing in and out, second factors) and /api/v1/accounts/ (the rest)."""

from django.urls import include, path

from accounts.api import two_factor_views

auth_patterns: list = []
accounts_patterns: list = []

urlpatterns = [
    path("auth/", include((auth_patterns, "auth"))),
    path("accounts/", include((accounts_patterns, "accounts"))),
]

# Second factors (accounts/api/two_factor_views.py).

auth_patterns += [
    path("2fa/", two_factor_views.SecondFactorListView.as_view(), name="2fa"),
    path("2fa/totp/", two_factor_views.TotpEnrolView.as_view(), name="2fa-totp"),
    path("2fa/totp/confirm/", two_factor_views.TotpConfirmView.as_view(), name="2fa-totp-confirm"),
    path("2fa/email/", two_factor_views.EmailDeviceView.as_view(), name="2fa-email"),
    path("2fa/email/disable/", two_factor_views.EmailDeviceDisableView.as_view(), name="2fa-email-disable"),
    path("2fa/sms/", two_factor_views.SmsEnrolView.as_view(), name="2fa-sms"),
    path("2fa/sms/confirm/", two_factor_views.SmsConfirmView.as_view(), name="2fa-sms-confirm"),
    path("2fa/backup-codes/", two_factor_views.BackupCodesView.as_view(), name="2fa-backup-codes"),
    path("2fa/disable/", two_factor_views.TwoFactorDisableView.as_view(), name="2fa-disable"),
]
