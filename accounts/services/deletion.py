"""Deleting an account: the user's request (a soft delete with a grace period) and the final purge.

- :func:`account_delete` marks the account deleted, revokes every session and API token, and
  emails the date after which the deletion is final. Logging in before then restores it.
- :func:`deleted_accounts_purge` runs, for each account past the grace period, the steps every
  app registered in :mod:`accounts.deletion`. Accounts' own steps (:func:`user_purge_steps`)
  delete second factors, tokens, sessions, exports and the avatar, and leave the User row as an
  anonymised tombstone (see docs/accounts.md for why the row is kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp import devices_for_user
from knox.models import AuthToken

from accounts import selectors
from accounts.deletion import PurgeStep, purge_steps_for
from accounts.handles import TOMBSTONE_PREFIX
from accounts.models import DataExport, User
from accounts.services.access import sessions_delete, user_access_revoke_all
from accounts.services.profiles import datetime_for_user
from core.errors import ApplicationError
from core.side_effects import after_commit, send_email

TOMBSTONE_EMAIL_DOMAIN = "invalid"  # RFC 2606: never deliverable
TOMBSTONE_HANDLE_PREFIX = TOMBSTONE_PREFIX  # registration refuses handles that start with it


def deletion_final_at(*, user: User) -> datetime:
    """When a soft-deleted account stops being restorable and may be purged."""
    return user.deleted_at + timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)


def _session_keys_of(*, user: User) -> list[str]:
    """Keys of the user's unexpired database sessions (Django stores the user id inside the data)."""
    user_id = str(user.pk)
    return [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
        if session.get_decoded().get(SESSION_KEY) == user_id
    ]


@transaction.atomic
def account_delete(*, user: User, password: str) -> User:
    """Delete ``user``'s account at their request, confirmed by their password.

    Raises ``invalid_password`` (400). The account is soft-deleted (``deleted_at``), all its
    sessions and API tokens are revoked, and an email says until when logging in restores it.
    """
    if not password or not user.check_password(password):
        raise ApplicationError("The password is not correct.", code="invalid_password")
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.soft_delete()
    user.deleted_at = locked.deleted_at
    user_access_revoke_all(user=user)
    context = {
        "user": user,
        "final_at": datetime_for_user(user=user, moment=deletion_final_at(user=user)),
        "grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS,
        "site_url": settings.SITE_URL,
    }
    send_email(
        subject=render_to_string("accounts/email/deletion_requested_subject.txt", context).strip(),
        message=render_to_string("accounts/email/deletion_requested_body.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    return user


def tombstone_email(*, user: User) -> str:
    return f"deleted-{user.pk}@{TOMBSTONE_EMAIL_DOMAIN}"


def tombstone_handle(*, user: User) -> str:
    # The tail of a UUIDv7 is random (its head is a timestamp shared by neighbours): 16 hex digits.
    return f"{TOMBSTONE_HANDLE_PREFIX}{user.pk.hex[-16:]}"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        after_commit(default_storage.delete, name)


def user_purge_steps(*, user: User) -> list[PurgeStep]:
    """Accounts' part of purging ``user``: what to delete, and the tombstone left behind.

    Ids and file names are taken now, so that running the steps does exactly what their
    descriptions say, even for a dry run printed earlier in the same transaction.
    """
    steps: list[PurgeStep] = []

    devices = list(devices_for_user(user, confirmed=None))
    if devices:

        def delete_devices() -> None:
            for device in devices:
                device.delete()

        steps.append(PurgeStep(f"delete {_plural(len(devices), 'second-factor device')}", delete_devices))

    token_keys = list(AuthToken.objects.filter(user=user).values_list("pk", flat=True))
    if token_keys:
        steps.append(
            PurgeStep(
                f"delete {_plural(len(token_keys), 'API token')}",
                lambda: AuthToken.objects.filter(pk__in=token_keys).delete(),
            )
        )

    session_keys = _session_keys_of(user=user)
    if session_keys:
        steps.append(
            PurgeStep(
                f"delete {_plural(len(session_keys), 'session')}",
                lambda: sessions_delete(session_keys=session_keys),
            )
        )

    exports = list(DataExport.objects.filter(user=user).values_list("pk", "file"))
    if exports:
        export_ids = [pk for pk, _file in exports]
        export_files = [name for _pk, name in exports if name]

        def delete_exports() -> None:
            DataExport.objects.filter(pk__in=export_ids).delete()
            _delete_files(export_files)

        steps.append(
            PurgeStep(
                f"delete {_plural(len(exports), 'data export')} and {_plural(len(export_files), 'file')}",
                delete_exports,
            )
        )

    if user.avatar.name:
        avatar_name = user.avatar.name
        steps.append(PurgeStep(f"delete avatar file {avatar_name}", lambda: _delete_files([avatar_name])))

    email, handle = tombstone_email(user=user), tombstone_handle(user=user)

    def anonymise() -> None:
        user.email = email
        user.handle = handle
        user.display_name = ""
        user.bio = ""
        user.links = []
        user.avatar = ""
        user.locale = User._meta.get_field("locale").default
        user.timezone = User._meta.get_field("timezone").default
        user.email_verified_at = None
        user.last_login = None
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.extra_metadata = {"purged_at": timezone.now().isoformat()}
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()

    steps.append(
        PurgeStep(
            f"anonymise the account: email {email}, handle {handle}, profile cleared, password unusable",
            anonymise,
        )
    )
    return steps


@dataclass(frozen=True)
class PurgeReport:
    """What the purge did (or, for a dry run, would do) to one account."""

    user_id: str
    handle: str
    deleted_at: datetime
    steps: list[str]


def deleted_accounts_purge(*, dry_run: bool = False, now: datetime | None = None) -> list[PurgeReport]:
    """Purge every account deleted more than ``ACCOUNT_DELETION_GRACE_DAYS`` ago, one transaction each.

    With ``dry_run`` nothing changes; the reports list the same steps a real run would take.
    An account restored since the query (logged in again) is skipped.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
    reports = []
    for user_id in list(selectors.users_due_for_purge(deleted_before=cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            user = User.all_objects.select_for_update().filter(pk=user_id, deleted_at__lt=cutoff).first()
            if user is None or "purged_at" in user.extra_metadata:
                continue
            report = PurgeReport(user_id=str(user.pk), handle=user.handle, deleted_at=user.deleted_at, steps=[])
            for name, step in purge_steps_for(user):
                report.steps.append(f"{name}: {step.description}")
                if not dry_run:
                    step.run()
            reports.append(report)
    return reports
