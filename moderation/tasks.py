"""Celery tasks of moderation: they call one service. Registered by Celery's autodiscovery."""

from __future__ import annotations

from celery import shared_task

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)


@shared_task(name="moderation.suspensions_ended_release")
def suspensions_ended_release_task() -> int:
    """Hourly: suspensions that ran out release what they held (hidden chat lines today)."""
    from moderation.services.enforcement import suspensions_ended_release

    return suspensions_ended_release()


@shared_task(name="moderation.cases_priority_refresh")
def cases_priority_refresh_task() -> int:
    """Hourly: open cases' reach and priority follow their targets' audiences."""
    from moderation.services.cases import cases_priority_refresh

    return cases_priority_refresh()
