from django.urls import path

from streaming.api import chat_views as views

urlpatterns = [
    path("streams/moderators/", views.ChannelModeratorListView.as_view(), name="stream-moderators"),
    path(
        "streams/moderators/<uuid:user_id>/",
        views.ChannelModeratorDetailView.as_view(),
        name="stream-moderator-detail",
    ),
    path("streams/<uuid:pk>/heartbeat/", views.StreamHeartbeatView.as_view(), name="stream-heartbeat"),
    path("streams/<uuid:pk>/metrics/", views.StreamMetricsView.as_view(), name="stream-metrics"),
]
