from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # The task outbox's worker hooks: Celery's documented interface for worker life cycle.
        from celery import signals

        from core import outbox

        signals.worker_init.connect(outbox.on_worker_init, weak=False)
        signals.worker_ready.connect(outbox.on_worker_ready, weak=False)
        signals.worker_shutdown.connect(outbox.on_worker_shutdown, weak=False)
        signals.task_prerun.connect(outbox.on_task_prerun, weak=False)
        signals.task_postrun.connect(outbox.on_task_postrun, weak=False)
