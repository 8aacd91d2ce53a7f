"""The studio's notification pages, mounted under /studio/ by config/urls.py."""

from django.urls import path

from notifications.dashboard import views

app_name = "notifications_studio"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read-all/", views.mark_all_read, name="read-all"),
    path("notifications/<uuid:notification_id>/read/", views.mark_read, name="read"),
    path("notifications/settings/", views.notification_settings, name="settings"),
]
