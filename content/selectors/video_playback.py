"""Playback URLs of videos whose outputs live in S3 (``Video.output_storage == "s3"``).

Choice: HLS playlists are always served by the API (``GET /api/v1/videos/{id}/media/<playlist>``),
which checks access on every request and rewrites each line of the playlist:

- a variant playlist (``*.m3u8``) becomes the API URL of that playlist (checked again);
- a segment (and any ``URI="..."`` of ``EXT-X-MAP``/``EXT-X-KEY``) becomes a signed URL valid for
  ``VIDEO_PLAYBACK_URL_EXPIRES`` seconds: with CloudFront configured (``CLOUDFRONT_DOMAIN``,
  ``CLOUDFRONT_KEY_ID``, ``CLOUDFRONT_PRIVATE_KEY``) one custom-policy signature per playlist
  covering ``https://<domain>/videos/<id>/hls/*``; without, an S3 presigned GET per segment.

Only the HLS outputs (``hls/``) are ever signed: never the uploaded source. With
``VIDEO_PUBLIC_PLAIN_CDN`` (off by default: the distribution must then serve those paths unsigned)
a public (or published scheduled) video without geo rules is played from plain CloudFront URLs.
DASH manifests list segments by template, which a signed query string cannot follow, so DASH is
offered for S3 outputs only on that plain-CDN path.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from content.models import Video
from content.selectors.videos import video_is_published
from content.transcoding.mediaconvert import s3_client, video_prefix
from core.errors import NotFoundError

URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')
SIGNED_PREFIX = "hls/"


def cloudfront_configured() -> bool:
    return bool(settings.CLOUDFRONT_DOMAIN and settings.CLOUDFRONT_KEY_ID and settings.CLOUDFRONT_PRIVATE_KEY)


def video_plays_from_plain_cdn(*, video: Video) -> bool:
    """S3 outputs of a published video without geo rules, with ``VIDEO_PUBLIC_PLAIN_CDN`` and a
    CloudFront domain: plain URLs."""
    return (
        video.output_storage == Video.Storage.S3
        and settings.VIDEO_PUBLIC_PLAIN_CDN
        and bool(settings.CLOUDFRONT_DOMAIN)
        and video_is_published(video=video)
        and not video.geo_allow
        and not video.geo_deny
    )


def cdn_url(*, video: Video, name: str) -> str:
    return f"https://{settings.CLOUDFRONT_DOMAIN}/{video_prefix(video.pk)}{name}"


@functools.cache
def _private_key(pem: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem.encode(), password=None)


def _cloudfront_query(*, video: Video, expires_at: dt.datetime) -> str:
    """``Policy=...&Signature=...&Key-Pair-Id=...`` for every HLS output of the video."""
    # Imported here: botocore's signer and cryptography load only where CloudFront signs (lazy imports).
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = _private_key(settings.CLOUDFRONT_PRIVATE_KEY)

    def rsa_sign(message: bytes) -> bytes:
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (CloudFront's scheme is SHA-1)

    signer = CloudFrontSigner(settings.CLOUDFRONT_KEY_ID, rsa_sign)
    resource = cdn_url(video=video, name=f"{SIGNED_PREFIX}*")
    policy = signer.build_policy(resource, date_less_than=expires_at)
    return urlsplit(signer.generate_presigned_url(resource, policy=policy)).query


def signed_urls(*, video: Video, now: dt.datetime | None = None) -> Callable[[str], str]:
    """A function from an output name (``hls/source_240p_00001.ts``) to its signed URL."""
    expires = settings.VIDEO_PLAYBACK_URL_EXPIRES
    if cloudfront_configured():
        query = _cloudfront_query(video=video, expires_at=(now or timezone.now()) + dt.timedelta(seconds=expires))
        return lambda name: f"{cdn_url(video=video, name=name)}?{query}"
    client = s3_client()
    return lambda name: client.generate_presigned_url(
        "get_object",
        Params={"Bucket": settings.VIDEO_S3_BUCKET, "Key": f"{video_prefix(video.pk)}{name}"},
        ExpiresIn=expires,
    )


def _resolve(*, playlist: str, reference: str) -> str | None:
    """The HLS output name a playlist line points at, or None if it leaves the video's ``hls/``."""
    if "://" in reference or reference.startswith("/"):
        return None
    name = posixpath.normpath(posixpath.join(posixpath.dirname(playlist), reference))
    return name if name.startswith(SIGNED_PREFIX) else None


def playlist_signed(*, video: Video, name: str, api_url: Callable[[str], str]) -> str:
    """The S3 playlist ``name`` with variants pointing at ``api_url(name)`` and segments signed.

    The caller has checked access (``video_get_for_playback``). 404 for a name that is not a
    playlist of the video."""
    if not name.endswith(".m3u8") or _resolve(playlist="", reference=name) != name:
        raise NotFoundError("No such file.")
    client = s3_client()
    try:
        body = client.get_object(Bucket=settings.VIDEO_S3_BUCKET, Key=f"{video_prefix(video.pk)}{name}")["Body"]
    except client.exceptions.NoSuchKey:
        raise NotFoundError("No such file.") from None
    sign = signed_urls(video=video)

    def rewrite(reference: str) -> str:
        target = _resolve(playlist=name, reference=reference)
        if target is None:
            return reference
        return api_url(target) if target.endswith(".m3u8") else sign(target)

    lines = []
    for line in body.read().decode().splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            lines.append(URI_ATTRIBUTE.sub(lambda m: f'URI="{rewrite(m.group(1))}"', line))
        elif stripped:
            lines.append(rewrite(stripped))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def media_signed_url(*, video: Video, name: str) -> str:
    """A signed URL of a non-playlist output (poster, segment) after the access checks."""
    target = _resolve(playlist="", reference=name)
    if target is None or target != name:
        raise NotFoundError("No such file.")
    return signed_urls(video=video)(name)
