"""The export registry: what each app puts in a user's data export.

A data export is one JSON document::

    {"format": "fanfare-export/1", "generated_at": "...", "user_id": "...",
     "sections": {"profile": {...}, "second_factor_devices": [...], ...}}

Each app adds its sections from its own ``<app>/export.py`` (imported by :func:`autodiscover`)::

    from accounts.export import register

    register("videos", lambda user: [video_summary(v) for v in videos_of(user=user)])

A builder takes the user and returns anything ``json.dumps`` accepts (with Django's encoder,
so datetimes, UUIDs and decimals are fine). Sections appear in registration order; builders
never include secrets (password hashes, second-factor keys, token digests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from accounts.models import User

ExportBuilder = Callable[["User"], Any]

_registry: dict[str, ExportBuilder] = {}
_discovered = False


def register(section_name: str, builder: ExportBuilder) -> None:
    """Add the section ``section_name``, built by ``builder(user) -> JSON-able``."""
    if section_name in _registry and _registry[section_name] is not builder:
        raise ValueError(f"An export section is already registered as {section_name!r}.")
    _registry[section_name] = builder


def autodiscover() -> None:
    """Import every installed app's ``export`` module, so that each registers its sections."""
    global _discovered
    if not _discovered:
        autodiscover_modules("export")
        _discovered = True


def sections() -> dict[str, ExportBuilder]:
    autodiscover()
    return dict(_registry)


def _profile(user: User) -> dict[str, Any]:
    from accounts.services.export import profile_section

    return profile_section(user=user)


def _second_factor_devices(user: User) -> list[dict[str, Any]]:
    from accounts.services.export import second_factor_devices_section

    return second_factor_devices_section(user=user)


register("profile", _profile)
register("second_factor_devices", _second_factor_devices)
