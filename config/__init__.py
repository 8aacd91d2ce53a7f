"""The Celery app is ``config.celery.app`` (``celery -A config`` finds it there).

It is not imported with this package: every process imports ``config`` (the settings live in it),
but only the worker, beat and a process that sends a task need Celery, kombu and billiard (about
8 MB a web process held for nothing, bench/README.md, chat_fanout). ``config.celery_app`` still
works and imports it on first use.
"""

from typing import Any

__all__ = ["celery_app"]


def __getattr__(name: str) -> Any:
    if name == "celery_app":
        from config.celery import app

        return app
    raise AttributeError(f"module 'config' has no attribute {name!r}")
