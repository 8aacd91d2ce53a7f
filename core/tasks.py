"""Celery tasks of the shared kernel. Thin: call the service."""

from celery import shared_task

from core import side_effects


@shared_task(name="core.unsent_tasks_resend")
def unsent_tasks_resend_task() -> dict:
    """Publish the tasks the broker refused while it was down (``core.UnsentTask``)."""
    sent, left = side_effects.unsent_tasks_resend()
    return {"sent": sent, "left": left}
