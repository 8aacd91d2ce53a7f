"""The accounts API: /api/v1/auth/ (signing in and out, second factors) and /api/v1/accounts/ (the rest)."""

from django.urls import include, path

from accounts.api import moderation_views, profile_views, two_factor_views

auth_patterns: list = []
accounts_patterns: list = [
    path("me/moderation-actions/", moderation_views.MyModerationActionsView.as_view(), name="my-moderation-actions"),
    path("appeals/", moderation_views.AppealCreateView.as_view(), name="appeal-create"),
]
staff_patterns: list = [
    path("users/<uuid:user_id>/warnings/", moderation_views.WarnView.as_view(), name="warn"),
    path("users/<uuid:user_id>/suspensions/", moderation_views.SuspendView.as_view(), name="suspend"),
    path("users/<uuid:user_id>/bans/", moderation_views.BanView.as_view(), name="ban"),
    path(
        "users/<uuid:user_id>/moderation-actions/",
        moderation_views.UserModerationActionsView.as_view(),
        name="user-moderation-actions",
    ),
    path("users/<uuid:user_id>/roles/<str:role>/", moderation_views.RoleView.as_view(), name="role"),
    path("moderation-actions/<uuid:action_id>/lift/", moderation_views.LiftView.as_view(), name="lift"),
    path("appeals/", moderation_views.AppealQueueView.as_view(), name="appeals"),
    path("appeals/<uuid:appeal_id>/decision/", moderation_views.AppealDecisionView.as_view(), name="appeal-decision"),
]

from accounts.api import auth_views  # noqa: E402

auth_patterns += [
    path("register/", auth_views.RegisterView.as_view(), name="register"),
    path("verify-email/", auth_views.VerifyEmailView.as_view(), name="verify-email"),
    path("verify-email/resend/", auth_views.VerifyEmailResendView.as_view(), name="verify-email-resend"),
    path("csrf/", auth_views.CsrfView.as_view(), name="csrf"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("login/verify/", auth_views.LoginVerifyView.as_view(), name="login-verify"),
    path("login/send-code/", auth_views.LoginSendCodeView.as_view(), name="login-send-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout-all/", auth_views.LogoutAllView.as_view(), name="logout-all"),
    path("devices/", auth_views.DeviceListView.as_view(), name="devices"),
    path("devices/<uuid:device_id>/", auth_views.DeviceDetailView.as_view(), name="device"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/confirm/", auth_views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("login-history/", auth_views.LoginHistoryView.as_view(), name="login-history"),
]

# Profiles, account deletion, data export. The me/ routes come before <handle>/ ("me" is a reserved handle).
accounts_patterns += [
    path("me/", profile_views.MeView.as_view(), name="me"),
    path("me/avatar/", profile_views.MeAvatarView.as_view(), name="me-avatar"),
    path("me/deletion/", profile_views.MeDeletionView.as_view(), name="me-deletion"),
    path("me/export/", profile_views.MeExportView.as_view(), name="export-list"),
    path("me/export/<uuid:export_id>/download/", profile_views.ExportDownloadView.as_view(), name="export-download"),
    path("<str:handle>/", profile_views.PublicProfileView.as_view(), name="profile"),
]

urlpatterns = [
    path("auth/", include((auth_patterns, "auth"))),
    path("accounts/", include((accounts_patterns, "accounts"))),
    path("staff/", include((staff_patterns, "staff"))),
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

# Signing in with Google, Apple and GitHub (accounts/api/oauth_views.py).

from accounts.api import oauth_views  # noqa: E402

auth_patterns += [
    path("oauth/identities/", oauth_views.OAuthIdentityListView.as_view(), name="oauth-identities"),
    path("oauth/identities/<int:identity_id>/", oauth_views.OAuthIdentityDetailView.as_view(), name="oauth-identity"),
    path("oauth/<str:provider>/", oauth_views.OAuthLoginView.as_view(), name="oauth-login"),
    path("oauth/<str:provider>/link/", oauth_views.OAuthLinkView.as_view(), name="oauth-link"),
]
