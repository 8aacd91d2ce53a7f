"""The advertiser's studio pages, mounted by config/urls.py under /studio/."""

from django.urls import path

from ads.dashboard import views

app_name = "ads_studio"

urlpatterns = [
    path("ads/", views.campaign_list, name="campaigns"),
    path("ads/campaigns/new/", views.campaign_edit, name="campaign-new"),
    path("ads/campaigns/<uuid:campaign_id>/", views.campaign_edit, name="campaign"),
    path("ads/campaigns/<uuid:campaign_id>/report/", views.campaign_report, name="campaign-report"),
    path("ads/campaigns/<uuid:campaign_id>/<str:action>/", views.campaign_move, name="campaign-move"),
    path("ads/earnings/", views.earnings, name="earnings"),
]
