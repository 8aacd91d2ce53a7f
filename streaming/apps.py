from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "streaming"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.dashboard.navigation import register
        from streaming import tasks  # noqa: F401 (registers the Celery tasks)

        register(label="Streams", url_name="streaming_studio:streams", order=40)
