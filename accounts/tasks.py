"""Accounts' Celery tasks. Each takes ids, calls one service, and is safe to run twice."""

from celery import shared_task

import config.celery  # noqa: F401 - the app these tasks bind to (loaded with the first task, not at start-up)
from accounts.services.access import auth_tokens_expired_delete
from accounts.services.export import data_export_build, data_exports_expire


@shared_task(name="accounts.data_export_build")
def data_export_build_task(export_id: str) -> str | None:
    """Build data export ``export_id`` (idempotent: a finished export is left alone)."""
    export = data_export_build(export_id=export_id)
    return None if export is None else export.status


@shared_task(name="accounts.data_exports_expire")
def data_exports_expire_task() -> int:
    """Delete expired export archives (scheduled daily by beat)."""
    return data_exports_expire()


@shared_task(name="accounts.auth_tokens_expired_delete")
def auth_tokens_expired_delete_task() -> int:
    """Delete expired API tokens (scheduled hourly by beat)."""
    return auth_tokens_expired_delete()
