"""The accounts API: /api/v1/auth/ (signing in and out, second factors) and /api/v1/accounts/ (the rest)."""

from django.urls import include, path

auth_patterns: list = []
accounts_patterns: list = []

urlpatterns = [
    path("auth/", include((auth_patterns, "auth"))),
    path("accounts/", include((accounts_patterns, "accounts"))),
]
