"""Data exports: a user asks for an archive of their data, a task builds it, a signed link serves it.

Transitions of ``DataExport.status`` (only here)::

    requested -> building -> ready | failed        (data_export_build)

At most one export per user per :data:`EXPORT_INTERVAL` (failed ones do not count); another
request in that window raises ``export_rate_limited`` (429) with the seconds to wait.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from rest_framework import status

from accounts import export as export_registry
from accounts.models import DataExport, User
from accounts.services.profiles import datetime_for_user
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.side_effects import after_commit, enqueue_task, send_email

logger = logging.getLogger(__name__)

EXPORT_INTERVAL = timedelta(hours=24)
ARCHIVE_FORMAT = "fanfare-export/1"
_LINK_SALT = "accounts.data-export.download"


class ExportRateLimitedError(ApplicationError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "export_rate_limited"
    default_message = "You can request one data export a day."

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(f"You can request one data export a day; try again in {retry_after} seconds.")
        self.retry_after = retry_after


class LinkExpiredError(ApplicationError):
    status_code = status.HTTP_410_GONE
    default_code = "link_expired"
    default_message = "This download link has expired. Request a new export."


# --- Sections accounts adds to the archive (registered in accounts/export.py) -------------------


def profile_section(*, user: User) -> dict[str, Any]:
    """The account and its public profile, as the user sees it. No password, no moderation notes."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
        "handle": user.handle,
        "display_name": user.display_name,
        "bio": user.bio,
        "links": user.links,
        "locale": user.locale,
        "timezone": user.timezone,
        "avatar": user.avatar.name or None,
        "created_at": user.created_at.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "followers_count": user.followers_count,
        "following_count": user.following_count,
        "posts_count": user.posts_count,
        "videos_count": user.videos_count,
        "is_private": user.is_private,
    }


def second_factor_devices_section(*, user: User) -> list[dict[str, Any]]:
    """The user's second-factor devices: kind, name and dates. Never a key or a code."""
    devices = sorted(devices_for_user(user, confirmed=None), key=lambda d: (d.created_at or user.created_at, d.pk))
    return [
        {
            "type": device._meta.model_name.removesuffix("device"),
            "name": device.name,
            "confirmed": device.confirmed,
            "created_at": device.created_at.isoformat() if device.created_at else None,
            "last_used_at": device.last_used_at.isoformat() if device.last_used_at else None,
        }
        for device in devices
    ]


def archive_build(*, user: User) -> dict[str, Any]:
    """The whole export document of ``user``: every registered section."""
    return {
        "format": ARCHIVE_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "user_id": str(user.pk),
        "sections": {name: builder(user) for name, builder in export_registry.sections().items()},
    }


# --- Requesting, building, downloading -----------------------------------------------------------


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """Ask for a new export of ``user``'s data; it is built in the background and emailed.

    Raises ``export_rate_limited`` (429, with ``retry_after`` seconds) when the user asked for
    one less than :data:`EXPORT_INTERVAL` ago and it has not failed.
    """
    from accounts.tasks import data_export_build_task

    User.objects.select_for_update().only("id").get(pk=user.pk)  # one request at a time per user
    now = timezone.now()
    recent = (
        DataExport.objects.filter(user=user, created_at__gt=now - EXPORT_INTERVAL)
        .exclude(status=DataExport.Status.FAILED)
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        wait = (recent.created_at + EXPORT_INTERVAL - now).total_seconds()
        raise ExportRateLimitedError(retry_after=max(1, math.ceil(wait)))
    export = DataExport.objects.create(user=user)
    enqueue_task(data_export_build_task, str(export.pk))
    return export


def download_token_make(*, export: DataExport) -> str:
    """A signed token for downloading ``export``, valid ``settings.EXPORT_LINK_TTL`` seconds."""
    return signing.dumps({"export": str(export.pk)}, salt=_LINK_SALT)


def download_url(*, export: DataExport) -> str:
    """The absolute download link emailed to the user (``SITE_URL`` based)."""
    path = reverse("v1:accounts:export-download", kwargs={"export_id": export.pk})
    return f"{settings.SITE_URL.rstrip('/')}{path}?token={download_token_make(export=export)}"


def data_export_for_download(*, user: User, export_id: uuid.UUID, token: str) -> DataExport:
    """The ready export ``export_id`` of ``user``, if ``token`` is a valid link for it.

    Raises ``not_found`` (404: no such export of this user), ``invalid_link`` (403: the token
    is missing, forged or for another export), ``link_expired`` (410: older than
    ``EXPORT_LINK_TTL``, or the export has expired) and ``export_not_ready`` (409).
    """
    export = DataExport.objects.filter(user=user, pk=export_id).first()
    if export is None:
        raise NotFoundError()
    try:
        payload = signing.loads(token or "", salt=_LINK_SALT, max_age=settings.EXPORT_LINK_TTL)
    except signing.SignatureExpired:
        raise LinkExpiredError() from None
    except signing.BadSignature:
        raise PermissionDeniedError("This download link is not valid.", code="invalid_link") from None
    if not isinstance(payload, dict) or payload.get("export") != str(export.pk):
        raise PermissionDeniedError("This download link is not valid.", code="invalid_link")
    if export.status != DataExport.Status.READY:
        raise ConflictError("This export is not ready yet.", code="export_not_ready")
    if export.expires_at is not None and export.expires_at <= timezone.now():
        raise LinkExpiredError()
    return export


def _mark_failed(*, export_id: str, error: str) -> None:
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is not None and export.status == DataExport.Status.BUILDING:
            export.status = DataExport.Status.FAILED
            export.error = error
            export.save(update_fields=["status", "error", "updated_at"])


def data_export_build(*, export_id: str) -> DataExport | None:
    """Build the archive of export ``export_id``, store it and email its link.

    Idempotent: an export already ``ready`` or ``failed`` is left alone; one left ``building``
    by a worker that died is built again. A failure marks it ``failed`` with the error.
    """
    with transaction.atomic():
        export = DataExport.objects.select_for_update().select_related("user").filter(pk=export_id).first()
        if export is None or export.status in (DataExport.Status.READY, DataExport.Status.FAILED):
            return export
        export.status = DataExport.Status.BUILDING
        export.save(update_fields=["status", "updated_at"])
    user = export.user
    if user.deleted_at is not None:
        _mark_failed(export_id=export_id, error="The account was deleted.")
        return DataExport.objects.get(pk=export_id)

    field = DataExport._meta.get_field("file")
    try:
        data = json.dumps(archive_build(user=user), cls=DjangoJSONEncoder, indent=2).encode()
        name = field.storage.save(field.generate_filename(export, f"{uuid.uuid4().hex}.json"), ContentFile(data))
    except Exception as error:
        logger.exception("data export %s failed", export_id)
        _mark_failed(export_id=export_id, error=f"{type(error).__name__}: {error}"[:1000])
        return DataExport.objects.get(pk=export_id)

    try:
        with transaction.atomic():
            export = DataExport.objects.select_for_update().select_related("user").get(pk=export_id)
            if export.status != DataExport.Status.BUILDING:  # another run finished it meanwhile
                field.storage.delete(name)
                return export
            export.file = name
            export.status = DataExport.Status.READY
            export.expires_at = timezone.now() + timedelta(seconds=settings.EXPORT_LINK_TTL)
            export.save(update_fields=["file", "status", "expires_at", "updated_at"])
            context = {
                "user": user,
                "download_url": download_url(export=export),
                "expires_at": datetime_for_user(user=user, moment=export.expires_at),
            }
            send_email(
                subject=render_to_string("accounts/email/export_ready_subject.txt", context).strip(),
                message=render_to_string("accounts/email/export_ready_body.txt", context),
                from_email=None,
                recipient_list=[user.email],
            )
    except BaseException:
        field.storage.delete(name)
        raise
    return export


def data_exports_expire(*, now=None) -> int:
    """Delete the files of ready exports whose link has expired, and mark them ``expired``.

    Archives hold a user's personal data; none outlives its link. Safe to run concurrently and
    repeatedly: rows are claimed with SKIP LOCKED, and files go only after the commit.
    """
    now = now or timezone.now()
    field = DataExport._meta.get_field("file")
    with transaction.atomic():
        due = list(
            DataExport.objects.select_for_update(skip_locked=True).filter(
                status=DataExport.Status.READY, expires_at__lte=now
            )
        )
        for export in due:
            after_commit(field.storage.delete, export.file.name)
            export.status = DataExport.Status.EXPIRED
            export.file = ""
        DataExport.objects.bulk_update(due, ["status", "file"])
    return len(due)
