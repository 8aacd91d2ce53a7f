from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "streaming"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.dashboard.navigation import register
        from streaming import checks, tasks  # noqa: F401 (registers the system checks and Celery tasks)

        register(label="Streams", url_name="streaming_studio:streams", order=40)
        # A platform suspension or ban closes the account's open chat sockets (close code 4409):
        # moderation.services.enforcement does it with every other domain's part.
