"""The accounts API: /api/v1/auth/ (signing in and out, second factors) and /api/v1/accounts/ (the rest)."""

from django.urls import include, path

from accounts.api import profile_views

auth_patterns: list = []
accounts_patterns: list = []

# Profiles, account deletion, data export. The me/ routes come before <handle>/ ("me" is a reserved handle).
accounts_patterns += [
    path("me/", profile_views.MeView.as_view(), name="me"),
    path("me/avatar/", profile_views.MeAvatarView.as_view(), name="me-avatar"),
    path("me/export/", profile_views.MeExportView.as_view(), name="export-list"),
    path("me/export/<uuid:export_id>/download/", profile_views.ExportDownloadView.as_view(), name="export-download"),
    path("<str:handle>/", profile_views.PublicProfileView.as_view(), name="profile"),
]

urlpatterns = [
    path("auth/", include((auth_patterns, "auth"))),
    path("accounts/", include((accounts_patterns, "accounts"))),
]
