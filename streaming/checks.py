"""System checks of the streaming settings (``manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def ivs_playback_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """With IVS, followers-only and subscribers-only streams need a playback signing key."""
    from streaming.selectors.playback import playback_signing_key_error

    messages: list[checks.CheckMessage] = []
    if settings.IVS_PLAYBACK_TOKEN_SECONDS <= 0:
        messages.append(
            checks.Error("IVS_PLAYBACK_TOKEN_SECONDS must be a positive number of seconds.", id="streaming.E002")
        )
    if settings.STREAMING_PROVIDER != "ivs" and not settings.IVS_PLAYBACK_PRIVATE_KEY:
        return messages
    error = playback_signing_key_error()
    if error is None:
        return messages
    hint = (
        "Import a playback key pair into IVS (aws ivs import-playback-key-pair) and set "
        "IVS_PLAYBACK_PRIVATE_KEY to its PEM private key (docs/streaming.md)."
    )
    if settings.IVS_PLAYBACK_PRIVATE_KEY:
        messages.append(checks.Error(f"{error}.", hint=hint, id="streaming.E001"))
    else:
        messages.append(
            checks.Warning(
                f"STREAMING_PROVIDER is ivs and {error}: followers-only and subscribers-only streams "
                "cannot be created and get no playback URL (503 playback_auth_unconfigured).",
                hint=hint,
                id="streaming.W001",
            )
        )
    return messages
