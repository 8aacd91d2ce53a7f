"""Accounts' studio pages. config/urls.py mounts these under /studio/, before core's shell, so that
/studio/login/ is the two-step login (core may not import accounts; config may)."""

from django.urls import path

from accounts.dashboard import views

app_name = "accounts_studio"

urlpatterns = [
    path("login/", views.StudioTwoFactorLoginView.as_view(), name="login"),
    path("login/code/", views.StudioLoginCodeView.as_view(), name="login-code"),
    path("security/", views.security, name="security"),
    path("account/data/", views.data, name="data"),
    path("account/data/export/", views.data_export_request, name="data-export"),
    path("security/totp/", views.totp_start, name="totp-start"),
    path("security/totp/confirm/", views.totp_confirm, name="totp-confirm"),
    path("security/backup-codes/", views.backup_codes, name="backup-codes"),
    path("security/disable/", views.disable, name="disable"),
    path("security/devices/<uuid:device_id>/revoke/", views.device_revoke, name="device-revoke"),
]
