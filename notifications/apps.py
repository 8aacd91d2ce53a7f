from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from core.dashboard.navigation import register

        register(label="Notifications", url_name="notifications_studio:inbox", order=60)

        from core import admin_pending
        from notifications.admin_pending import announcements_sending

        admin_pending.register(key="announcements", provider=announcements_sending, order=70)
