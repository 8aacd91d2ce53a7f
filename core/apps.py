from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    # The task outbox's worker hooks (Celery signals) are connected by ``config.celery``, in every
    # process that loads the Celery app: the web process does not load Celery at start-up.
