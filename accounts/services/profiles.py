"""Writes on a user's own profile: the editable fields and the avatar.

The rule validators (links, locale, time zone) live here so that the API's serializers and
any other caller check the same rules; they raise Django's ``ValidationError`` with a stable
code, which the API renders as a 400 ``validation_error`` naming the field.
"""

from __future__ import annotations

import functools
import re
import uuid
import zoneinfo
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import dateformat

from accounts.models import User
from core.errors import PayloadTooLargeError
from core.images import IMAGE_FORMATS, IMAGE_MAX_PIXELS, image_decode, image_encode_webp
from core.side_effects import after_commit

MAX_LINKS = 5
MAX_LINK_LABEL_LENGTH = 50
MAX_LINK_URL_LENGTH = 500
AVATAR_MAX_SIDE = 512
AVATAR_FORMATS = IMAGE_FORMATS
AVATAR_MAX_PIXELS = IMAGE_MAX_PIXELS

_url_validator = URLValidator(schemes=["http", "https"], message="Enter an http or https URL.", code="invalid_url")
# language, optional script, optional region or UN M.49 area, optional variants (BCP 47, RFC 5646).
_BCP47 = re.compile(
    r"^(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*)$"
)


@functools.cache
def _known_languages() -> frozenset[str]:
    return frozenset(code.split("-")[0].lower() for code, _name in settings.LANGUAGES)


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def locale_normalize(value: str) -> str:
    """Return ``value`` as a canonical BCP 47 tag (``pt-br`` -> ``pt-BR``) or raise ``invalid_locale``.

    The primary language must be one Django knows (``settings.LANGUAGES``).
    """
    match = _BCP47.match(value or "")
    if match is None or match["language"].lower() not in _known_languages():
        raise ValidationError("Enter a language tag such as en, pt-BR or zh-Hant.", code="invalid_locale")
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    if match["variants"]:
        parts.extend(variant.lower() for variant in match["variants"].strip("-").split("-"))
    return "-".join(parts)


def validate_locale(value: str) -> None:
    locale_normalize(value)


def validate_timezone(value: str) -> None:
    """An IANA time zone name, as ``zoneinfo.available_timezones()`` lists them (``Europe/Paris``)."""
    if value not in _known_timezones():
        raise ValidationError("Enter an IANA time zone name such as Europe/Paris.", code="invalid_timezone")


def validate_link_url(value: str) -> None:
    _url_validator(value)


def validate_links(value: list[dict[str, str]]) -> None:
    """At most five ``{label, url}`` pairs, each label non-empty, each URL http(s)."""
    if not isinstance(value, list):
        raise ValidationError("Expected a list of {label, url} objects.", code="invalid_links")
    if len(value) > MAX_LINKS:
        raise ValidationError(f"At most {MAX_LINKS} links.", code="too_many_links")
    for link in value:
        if not isinstance(link, dict) or set(link) != {"label", "url"}:
            raise ValidationError("Each link is an object with a label and a url.", code="invalid_links")
        label, url = link["label"], link["url"]
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LINK_LABEL_LENGTH:
            raise ValidationError(f"A link label is 1 to {MAX_LINK_LABEL_LENGTH} characters.", code="invalid_links")
        if not isinstance(url, str) or len(url) > MAX_LINK_URL_LENGTH:
            raise ValidationError(f"A link URL is at most {MAX_LINK_URL_LENGTH} characters.", code="invalid_url")
        validate_link_url(url)


def datetime_for_user(*, user: User, moment: datetime) -> str:
    """``moment`` in the user's own time zone, for emails: ``24 December 2026, 21:42 (Europe/Paris)``."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return f"{dateformat.format(moment.astimezone(zone), 'j F Y, H:i')} ({zone.key})"


def _field_error(field: str, error: ValidationError) -> ValidationError:
    return ValidationError({field: error.error_list})


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    links: list[dict[str, str]] | None = None,
    locale: str | None = None,
    timezone: str | None = None,
) -> User:
    """Change the given profile fields of ``user`` (``None`` leaves a field as it is).

    Raises ``ValidationError`` keyed by field (codes ``invalid_links``, ``too_many_links``,
    ``invalid_url``, ``invalid_locale``, ``invalid_timezone``, ``max_length``).
    Email and handle are changed elsewhere, never here.
    """
    changes: dict[str, Any] = {}
    if display_name is not None:
        changes["display_name"] = display_name.strip()
    if bio is not None:
        changes["bio"] = bio.strip()
    if links is not None:
        try:
            validate_links(links)
        except ValidationError as error:
            raise _field_error("links", error) from None
        changes["links"] = [{"label": link["label"].strip(), "url": link["url"]} for link in links]
    if locale is not None:
        try:
            changes["locale"] = locale_normalize(locale)
        except ValidationError as error:
            raise _field_error("locale", error) from None
    if timezone is not None:
        try:
            validate_timezone(timezone)
        except ValidationError as error:
            raise _field_error("timezone", error) from None
        changes["timezone"] = timezone
    for field in ("display_name", "bio"):
        limit = User._meta.get_field(field).max_length
        if field in changes and len(changes[field]) > limit:
            raise ValidationError({field: ValidationError(f"At most {limit} characters.", code="max_length")})
    if not changes:
        return user
    for field, value in changes.items():
        setattr(user, field, value)
    user.save(update_fields=[*changes, "updated_at"])
    return user


def _avatar_reencode(*, upload: Any) -> tuple[bytes, str]:
    """Decode an uploaded image with Pillow and re-encode it: (bytes, extension).

    Only the pixels survive (core.images): EXIF (GPS included), ICC profiles, comments and extra
    frames are dropped; the orientation EXIF asked for is applied first. The result fits 512x512
    and is WebP (lossless when the image has transparency).
    """
    image = image_decode(
        upload=upload,
        formats=AVATAR_FORMATS,
        max_pixels=AVATAR_MAX_PIXELS,
        unsupported_message="An avatar is a JPEG, PNG, WebP or GIF image.",
        too_many_pixels_message="This image has too many pixels for an avatar.",
    )
    data, _size = image_encode_webp(image=image, max_side=AVATAR_MAX_SIDE)
    return data, "webp"


def avatar_set(*, user: User, upload: Any) -> User:
    """Replace ``user``'s avatar with a re-encoded copy of ``upload`` (a Django ``UploadedFile``).

    Raises ``request_too_large`` (413) above ``settings.AVATAR_MAX_UPLOAD_BYTES`` and
    ``unsupported_media`` (415) for anything Pillow cannot decode as JPEG, PNG, WebP or GIF.
    The previous avatar file is deleted once the change is committed.
    """
    if upload.size > settings.AVATAR_MAX_UPLOAD_BYTES:
        limit_mb = settings.AVATAR_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise PayloadTooLargeError(f"An avatar is at most {limit_mb} MB.")
    data, extension = _avatar_reencode(upload=upload)
    storage = User._meta.get_field("avatar").storage
    new_name = None
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().only("id", "avatar").get(pk=user.pk)
            old_name = locked.avatar.name
            user.avatar.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
            new_name = user.avatar.name
            user.save(update_fields=["avatar", "updated_at"])
            if old_name:
                after_commit(storage.delete, old_name)
    except BaseException:
        # The database change rolled back: the file just written belongs to nothing.
        if new_name:
            storage.delete(new_name)
        raise
    return user


@transaction.atomic
def avatar_delete(*, user: User) -> User:
    """Remove ``user``'s avatar, if any; the file is deleted once the change is committed."""
    locked = User.objects.select_for_update().only("id", "avatar").get(pk=user.pk)
    old_name = locked.avatar.name
    if not old_name:
        user.avatar = ""
        return user
    storage = User._meta.get_field("avatar").storage
    user.avatar = ""
    user.save(update_fields=["avatar", "updated_at"])
    after_commit(storage.delete, old_name)
    return user
