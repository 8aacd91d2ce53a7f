from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.api import auth_schema  # noqa: F401 - registers the OpenAPI authentication schemes
        from core.dashboard.navigation import register

        register(label="Security", url_name="accounts_studio:security", order=90)
        register(label="Your data", url_name="accounts_studio:data", order=95)

        from accounts.admin_pending import pending_appeals
        from core import admin_pending

        admin_pending.register(key="appeals", provider=pending_appeals, order=20)
