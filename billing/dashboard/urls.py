"""The studio's memberships pages, mounted under /studio/ by config/urls.py."""

from django.urls import path

from billing.dashboard import views

app_name = "billing_studio"

urlpatterns = [
    path("memberships/", views.memberships_page, name="memberships"),
    path("memberships/tiers/new/", views.tier_new, name="tier-new"),
    path("memberships/tiers/<uuid:tier_id>/", views.tier_edit, name="tier-edit"),
    path("memberships/tiers/<uuid:tier_id>/archive/", views.tier_archive, name="tier-archive"),
    path("memberships/gifts/", views.gift, name="gift"),
]
