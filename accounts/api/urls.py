"""The accounts API: /api/v1/auth/ (signing in and out, second factors) and /api/v1/accounts/ (the rest)."""

from django.urls import include, path

auth_patterns: list = []
accounts_patterns: list = []

from accounts.api import auth_views  # noqa: E402

auth_patterns += [
    path("register/", auth_views.RegisterView.as_view(), name="register"),
    path("verify-email/", auth_views.VerifyEmailView.as_view(), name="verify-email"),
    path("verify-email/resend/", auth_views.VerifyEmailResendView.as_view(), name="verify-email-resend"),
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

urlpatterns = [
    path("auth/", include((auth_patterns, "auth"))),
    path("accounts/", include((accounts_patterns, "accounts"))),
]
