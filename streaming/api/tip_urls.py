from django.urls import path

from streaming.api import tip_views as views

urlpatterns = [
    path("streams/tips/settings/", views.TipSettingsView.as_view(), name="stream-tip-settings"),
    path("streams/<uuid:pk>/tips/", views.StreamTipsView.as_view(), name="stream-tips"),
]
