from django.apps import AppConfig


class AdsConfig(AppConfig):
    name = "ads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ads import tasks  # noqa: F401 (registers the tasks)
        from ads.admin_pending import campaigns_in_review
        from core import admin_pending

        admin_pending.register(key="ads-campaigns-review", provider=campaigns_in_review, order=60)
