"""Operators: the state of background work in one screen."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core import task_status


def _when(moment, now) -> str:
    if moment is None:
        return "never"
    return f"{moment:%Y-%m-%d %H:%M:%S} ({(now - moment).total_seconds():.0f} s ago)"


def _age(seconds) -> str:
    return "none" if seconds is None else f"{seconds:.0f} s ago"


class Command(BaseCommand):
    help = "Print the queues, waiting and failed tasks, workers and scheduler, and the last run of each periodic job."

    def handle(self, *args, **options):
        now = timezone.now()
        write = self.stdout.write
        broker = settings.CELERY_BROKER_URL
        embedded = broker == settings.EMBEDDED_BROKER_URL
        scheme = broker.split("://", 1)[0]
        write(f"Broker: {'embedded (the database)' if embedded else scheme}")
        summary = task_status.background_summary(now=now)
        worker, beat = summary["worker"], summary["beat"]
        write(f"Workers: {worker['alive']} alive, last heartbeat {_age(worker['last_heartbeat_age_seconds'])}")
        write(f"Scheduler: {beat['alive']} alive, last heartbeat {_age(beat['last_heartbeat_age_seconds'])}")
        write("Queues:")
        for name, size in task_status.queue_sizes().items():
            write(f"  {name:<20} {'broker not answering' if size is None else f'{size} waiting'}")
        oldest = worker["oldest_waiting_seconds"]
        write(
            f"Outbox: {worker['waiting_tasks']} waiting"
            f"{'' if oldest is None else f' (oldest {oldest:.0f} s)'}, "
            f"{worker['running_tasks']} running, {worker['failed_tasks']} failed"
        )
        failed = task_status.failed_tasks()
        if failed:
            write("Failed tasks (newest first):")
            for task in failed:
                write(f"  {task.pk}  {task.task}  attempts {task.attempts}  {task.error[:120]}")
        write("Periodic jobs:")
        for job in task_status.periodic_jobs():
            write(
                f"  {job['name']:<38} {job['schedule']:<40} last sent {_when(job['last_sent_at'], now)}"
                f"  finished {_when(job['last_finished_at'], now)} {job['last_status']}"
            )
