"""/api/v1/notifications/."""

from django.urls import path

from notifications.api import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/unread-count/", views.UnreadCountView.as_view(), name="notifications-unread-count"),
    path("notifications/read/", views.MarkManyReadView.as_view(), name="notifications-read"),
    path("notifications/read-all/", views.MarkAllReadView.as_view(), name="notifications-read-all"),
    path("notifications/seen/", views.MarkSeenView.as_view(), name="notifications-seen"),
    path("notifications/settings/", views.SettingsView.as_view(), name="notifications-settings"),
    path("notifications/push-tokens/", views.PushTokenView.as_view(), name="notifications-push-tokens"),
    path(
        "notifications/push-tokens/unregister/",
        views.PushTokenUnregisterView.as_view(),
        name="notifications-push-tokens-unregister",
    ),
    path("notifications/unsubscribe/", views.UnsubscribeView.as_view(), name="notifications-unsubscribe"),
    path("notifications/<uuid:notification_id>/", views.NotificationDetailView.as_view(), name="notification"),
    path("notifications/<uuid:notification_id>/read/", views.NotificationReadView.as_view(), name="notification-read"),
]
