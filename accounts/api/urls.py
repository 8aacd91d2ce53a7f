"""The accounts API: /api/v1/auth/ (signing in and out, second factors) and /api/v1/accounts/ (the rest)."""

from django.urls import include, path

from accounts.api import moderation_views, two_factor_views

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
