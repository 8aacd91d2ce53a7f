"""Where a viewer plays a live stream, and the playback tokens of private IVS channels.

- local: Fanfare's own HLS endpoint, which checks visibility on every request.
- IVS, public or unlisted stream: the channel's playback URL as IVS gives it (no token).
- IVS, followers-only or subscribers-only stream: the channel requires playback authorization
  (``authorized=True``, set by ``streaming.services.streams``), so the URL carries a playback token
  made here for this viewer, who must pass :func:`~streaming.selectors.streams.can_view_stream`:
  ``<playbackUrl>?token=<JWT>``, the JWT signed with ES384 by ``IVS_PLAYBACK_PRIVATE_KEY`` (the
  private key of a playback key pair imported into IVS), with the claims ``aws:channel-arn``,
  ``aws:access-control-allow-origin`` (``IVS_PLAYBACK_ALLOWED_ORIGIN``), ``aws:viewer-id`` (the
  user's id, for IVS's viewer session revocation) and ``exp`` (``IVS_PLAYBACK_TOKEN_SECONDS``
  from now). Without that key no URL is given (503 ``playback_auth_unconfigured``): never the bare
  URL of a private stream.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceUnavailableError
from core.routes import media_path
from streaming.models import LiveStream
from streaming.selectors.streams import can_view_stream, stream_hidden_error

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# PyJWT and cryptography are imported by the calls that sign, not by this module: only private IVS
# streams need them, and the web process does not load them at start-up (tests/core/test_lazy_imports.py).

logger = logging.getLogger(__name__)

# Visibilities whose IVS channel plays for anyone with the URL; the others need a token.
OPEN_VISIBILITIES = frozenset({LiveStream.Visibility.PUBLIC, LiveStream.Visibility.UNLISTED})
SIGNING_ALGORITHM = "ES384"  # IVS playback tokens: ECDSA P-384 with SHA-384


@dataclass(frozen=True)
class Playback:
    """``url``: None while the stream is not live. ``expires_at``: when the URL's token expires
    (None for URLs without a token)."""

    url: str | None
    expires_at: dt.datetime | None = None


def visibility_needs_playback_token(visibility: str) -> bool:
    """Whether an IVS channel of a stream with this visibility requires playback authorization."""
    return visibility not in OPEN_VISIBILITIES


def stream_needs_playback_token(*, stream: LiveStream) -> bool:
    return stream.provider == LiveStream.Provider.IVS and visibility_needs_playback_token(stream.visibility)


@functools.cache
def _load_key(pem: str) -> ec.EllipticCurvePrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP384R1):
        raise ValueError("not an EC P-384 private key")
    return key


def playback_signing_key_error() -> str | None:
    """Why ``IVS_PLAYBACK_PRIVATE_KEY`` cannot sign playback tokens, or None when it can."""
    if not settings.IVS_PLAYBACK_PRIVATE_KEY:
        return "IVS_PLAYBACK_PRIVATE_KEY is not set"
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        _load_key(settings.IVS_PLAYBACK_PRIVATE_KEY)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        return f"IVS_PLAYBACK_PRIVATE_KEY is not a usable PEM EC P-384 private key ({error})"
    return None


def playback_auth_unconfigured_error(*, stream_id: Any) -> ServiceUnavailableError:
    """503 ``playback_auth_unconfigured`` (logged): a private IVS stream and no signing key."""
    logger.error("stream %s: private IVS playback needs a signing key: %s", stream_id, playback_signing_key_error())
    return ServiceUnavailableError(
        "Playback of followers-only and subscribers-only streams is not set up on this server.",
        code="playback_auth_unconfigured",
    )


def playback_token(
    *, channel_arn: str, viewer_id: str | None, now: dt.datetime | None = None
) -> tuple[str, dt.datetime]:
    """A playback token for ``channel_arn`` (and ``viewer_id`` when given) and its expiry. The key
    must be usable (:func:`playback_signing_key_error` is None)."""
    expires_at = (now or timezone.now()).replace(microsecond=0) + dt.timedelta(
        seconds=settings.IVS_PLAYBACK_TOKEN_SECONDS
    )
    claims = {
        "aws:channel-arn": channel_arn,
        "aws:access-control-allow-origin": settings.IVS_PLAYBACK_ALLOWED_ORIGIN,
        "exp": int(expires_at.timestamp()),
    }
    if viewer_id:
        claims["aws:viewer-id"] = viewer_id
    import jwt

    token = jwt.encode(claims, _load_key(settings.IVS_PLAYBACK_PRIVATE_KEY), algorithm=SIGNING_ALGORITHM)
    return token, expires_at


def _viewer_id(user: Any) -> str | None:
    return str(user.pk) if user is not None and user.is_authenticated else None


def stream_playback(*, stream: LiveStream, user: Any, now: dt.datetime | None = None) -> Playback:
    """Where ``user`` plays ``stream`` (no URL unless live).

    Local streams get the path of Fanfare's HLS endpoint (it checks visibility itself), open IVS
    streams the channel's URL. A private IVS stream gets a URL with a token for ``user``, after
    :func:`can_view_stream` (403 ``followers_only``/``subscribers_only`` otherwise); 503
    ``playback_auth_unconfigured`` without a usable signing key.
    """
    if stream.status != LiveStream.Status.LIVE:
        return Playback(None)
    if stream.provider == LiveStream.Provider.LOCAL:
        return Playback(media_path("v1:stream-media", stream.pk, "index.m3u8"))
    if not stream_needs_playback_token(stream=stream):
        return Playback(stream.playback_url or None)
    if not can_view_stream(stream=stream, user=user):
        raise stream_hidden_error(stream=stream)
    if not stream.playback_url or not stream.ivs_channel_arn:
        return Playback(None)
    if playback_signing_key_error() is not None:
        raise playback_auth_unconfigured_error(stream_id=stream.pk)
    token, expires_at = playback_token(channel_arn=stream.ivs_channel_arn, viewer_id=_viewer_id(user), now=now)
    return Playback(f"{stream.playback_url}?token={token}", expires_at)


def stream_preview_url(*, stream: LiveStream, user: Any) -> str | None:
    """Where the streamer previews their own stream in the control room: the local HLS path
    (known before the stream goes live; it answers once the ingest writes), or the IVS URL
    (with a token for the owner when the channel is private, once live)."""
    if stream.provider == LiveStream.Provider.LOCAL:
        return reverse("v1:stream-media", args=[stream.pk, "index.m3u8"])
    if stream.status == LiveStream.Status.LIVE:
        return stream_playback(stream=stream, user=user).url
    return None if stream_needs_playback_token(stream=stream) else (stream.playback_url or None)
