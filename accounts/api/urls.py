"""The accounts API: /api/v1/auth/ (signing in and out, second factors) and /api/v1/accounts/ (the rest)."""

from django.urls import include, path

from accounts.api import moderation_views

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
