"""Core's Celery tasks. Imported by Celery's autodiscovery."""

from celery import shared_task

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)


@shared_task(name="core.tasks_recover")
def tasks_recover_task() -> dict[str, int]:
    """Send again the outbox tasks that were never published, lost, or orphaned (beat: every 15 s)."""
    from core.outbox import tasks_recover

    return tasks_recover()
