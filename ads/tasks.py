"""Ads' Celery tasks: take no objects, idempotent (config/schedule.py runs them)."""

from __future__ import annotations

from celery import shared_task

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)


@shared_task(name="ads.events_write")
def events_write_task() -> int:
    """Drain the event buffer, a batch per transaction."""
    from ads.services.writer import events_write_all

    return events_write_all(max_batches=50)


@shared_task(name="ads.spend_post")
def spend_post_task() -> int:
    from ads.services.spend import spend_post

    return spend_post()


@shared_task(name="ads.rollup")
def rollup_task() -> int:
    from ads.services.rollup import rollup_recent

    return rollup_recent()
