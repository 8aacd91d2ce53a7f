from django.urls import path

from streaming.api import views

urlpatterns = [
    path("streams/", views.StreamListCreateView.as_view(), name="stream-list"),
    path("streams/mine/", views.MyStreamsView.as_view(), name="stream-mine"),
    path("streams/ivs/events/", views.IvsEventsView.as_view(), name="stream-ivs-events"),
    path("streams/<uuid:pk>/", views.StreamDetailView.as_view(), name="stream-detail"),
    path("streams/<uuid:pk>/cancel/", views.StreamCancelView.as_view(), name="stream-cancel"),
    path("streams/<uuid:pk>/end/", views.StreamEndView.as_view(), name="stream-end"),
    path("streams/<uuid:pk>/rotate-key/", views.StreamKeyRotateView.as_view(), name="stream-rotate-key"),
    path("streams/<uuid:pk>/reminder/", views.StreamReminderView.as_view(), name="stream-reminder"),
    path("streams/<uuid:pk>/media/<path:name>", views.StreamMediaView.as_view(), name="stream-media"),
]
