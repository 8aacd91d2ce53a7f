"""The purge registry: what each app does with an account's data once its deletion is final.

``manage.py purge_deleted_accounts`` purges every account deleted more than
``settings.ACCOUNT_DELETION_GRACE_DAYS`` ago. For each one it asks every registered handler
for its *steps*: each step says in one line what it does and carries the function that does
it. ``--dry-run`` prints the lines; a real run prints the same lines and runs the same steps,
so what a dry run announces is exactly what a real run does.

An app plugs in from its own ``<app>/deletion.py`` (imported by :func:`autodiscover`)::

    from accounts.deletion import PurgeStep, register

    def purge_billing(user):
        rows = Transaction.objects.filter(user=user)
        return [PurgeStep(f"anonymise {rows.count()} ledger rows", lambda: ledger_anonymise(user_id=user.pk))]

    register("billing", purge_billing)

Handlers run in ``order`` (lower first), all inside one transaction per account. Accounts'
own handler runs last (order 1000) because it turns the User row into a tombstone that the
other apps' rows may still point at. Storage files are deleted only after the transaction
commits (``core.side_effects.after_commit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class PurgeStep:
    """One thing a purge does: ``description`` for people, ``run`` to do it."""

    description: str
    run: Callable[[], object]


PurgeHandler = Callable[["User"], list[PurgeStep]]


@dataclass(frozen=True)
class _Registration:
    name: str
    handler: PurgeHandler
    order: int


_registry: dict[str, _Registration] = {}
_discovered = False


def register(name: str, handler: PurgeHandler, *, order: int = 100) -> None:
    """Register ``handler(user) -> list[PurgeStep]`` under ``name`` (an app label, unique)."""
    if name in _registry and _registry[name].handler is not handler:
        raise ValueError(f"A purge handler is already registered as {name!r}.")
    _registry[name] = _Registration(name=name, handler=handler, order=order)


def autodiscover() -> None:
    """Import every installed app's ``deletion`` module, so that each registers its handler."""
    global _discovered
    if not _discovered:
        autodiscover_modules("deletion")
        _discovered = True


def handlers() -> list[tuple[str, PurgeHandler]]:
    """The registered handlers, in the order they run."""
    autodiscover()
    return [(r.name, r.handler) for r in sorted(_registry.values(), key=lambda r: (r.order, r.name))]


def purge_steps_for(user: User) -> list[tuple[str, PurgeStep]]:
    """Every step the purge of ``user`` takes, as (handler name, step), in order."""
    return [(name, step) for name, handler in handlers() for step in handler(user)]


def _purge_accounts(user: User) -> list[PurgeStep]:
    from accounts.services.deletion import user_purge_steps

    return user_purge_steps(user=user)


register("accounts", _purge_accounts, order=1000)
