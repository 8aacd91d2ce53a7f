from django.urls import path

from ads.api import views

urlpatterns = [
    path("ads/advertiser/", views.AdvertiserView.as_view(), name="ads-advertiser"),
    path("ads/advertiser/top-ups/", views.TopUpView.as_view(), name="ads-top-up"),
    path("ads/campaigns/", views.CampaignListView.as_view(), name="ads-campaigns"),
    path("ads/campaigns/<uuid:pk>/", views.CampaignDetailView.as_view(), name="ads-campaign"),
    path("ads/campaigns/<uuid:pk>/ads/", views.AdListView.as_view(), name="ads-campaign-ads"),
    path("ads/campaigns/<uuid:pk>/report/", views.ReportView.as_view(), name="ads-campaign-report"),
    path("ads/campaigns/<uuid:pk>/ab/", views.VerdictView.as_view(), name="ads-campaign-ab"),
    path("ads/campaigns/<uuid:pk>/<str:action>/", views.CampaignActionView.as_view(), name="ads-campaign-action"),
    path("ads/ads/<uuid:pk>/", views.AdDetailView.as_view(), name="ads-ad"),
    path("ads/decision/", views.DecisionView.as_view(), name="ads-decision"),
    path("ads/beacons/view/", views.ViewBeaconView.as_view(), name="ads-view"),
    path("ads/click/", views.ClickView.as_view(), name="ads-click"),
    path("ads/conversions/", views.ConversionView.as_view(), name="ads-conversions"),
    path("ads/me/profile/", views.ViewerProfileView.as_view(), name="ads-viewer-profile"),
    path("ads/advertisers/<uuid:pk>/block/", views.AdvertiserBlockView.as_view(), name="ads-advertiser-block"),
]
