"""Warnings, restrictions, suspensions, bans, lifting them, and appeals.

Transitions (ModerationAction): issued (active) -> lifted. Appeal: pending -> accepted
(lifts the action) | rejected. The target's ``suspended_until`` and ``banned_at`` are
recomputed from the actions still in force after every change, and a suspension or ban
revokes every session and token at once.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Appeal, AuditLogEntry, ModerationAction, User
from accounts.services.audit import audit_record
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.side_effects import send_email

MAX_SUSPENSION = dt.timedelta(days=365)
APPEAL_TOKEN_SALT = "accounts.appeal"  # noqa: S105 - a signing namespace, not a secret
APPEAL_TOKEN_MAX_AGE = 60 * 60 * 24 * 30
MAX_APPEAL_LENGTH = 2000


# Other apps' reactions to a suspension or ban (e.g. streaming closes the user's chat sockets),
# registered in their AppConfig.ready(): called as hook(user=..., code="account_suspended" |
# "account_banned") inside the service's transaction, so they should act after commit.
standing_hooks: list = []


def register_standing_hook(hook) -> None:
    if hook not in standing_hooks:
        standing_hooks.append(hook)


def _run_standing_hooks(user: User, code: str) -> None:
    for hook in standing_hooks:
        hook(user=user, code=code)


# Reactions to a lifted action (e.g. moderation releases what a suspension hid or held):
# hook(action=...) inside the service's transaction, once the standing is recomputed.
lift_hooks: list = []


def register_lift_hook(hook) -> None:
    if hook not in lift_hooks:
        lift_hooks.append(hook)


def _ensure_may_moderate(*, by: User, user: User) -> None:
    if not by.has_perm("accounts.moderate_users"):
        raise PermissionDeniedError("Only moderators can do this.", code="not_allowed")
    if by.pk == user.pk:
        raise PermissionDeniedError("Moderators cannot act on their own account.", code="not_allowed")
    if user.is_superuser:
        raise PermissionDeniedError("A superuser cannot be moderated.", code="not_allowed")
    if user.is_staff and not by.has_perm("accounts.change_roles"):
        raise PermissionDeniedError("Only admins can act on staff accounts.", code="not_allowed")


def _revoke_access(user: User) -> None:
    from accounts.services.access import user_access_revoke_all

    user_access_revoke_all(user=user)


def _notify(user: User, subject: str, body: str, *, send: bool = True) -> None:
    """Email the user (callers that tell the user through notifications' ``notify()`` pass send=False)."""
    if not send:
        return
    send_email(subject=subject, message=body, from_email=None, recipient_list=[user.email])


def _reference_fields(reference) -> dict:
    if reference is None:
        return {}
    return {
        "reference_type": ContentType.objects.get_for_model(reference),
        "reference_id": str(reference.pk),
        "reference_label": str(reference)[:200],
    }


def _refresh_standing(user: User) -> User:
    """Recompute the user's suspension and ban from the actions still in force."""
    now = timezone.now()
    active = ModerationAction.objects.filter(user=user, lifted_at__isnull=True)
    suspended_until = active.filter(kind=ModerationAction.Kind.SUSPENSION, ends_at__gt=now).aggregate(
        until=Max("ends_at")
    )["until"]
    restricted_until = active.filter(kind=ModerationAction.Kind.RESTRICTION, ends_at__gt=now).aggregate(
        until=Max("ends_at")
    )["until"]
    ban = active.filter(kind=ModerationAction.Kind.BAN).order_by("created_at").first()
    user.suspended_until = suspended_until
    user.restricted_until = restricted_until
    user.banned_at = ban.created_at if ban else None
    user.save(update_fields=["suspended_until", "restricted_until", "banned_at", "updated_at"])
    return user


def _locked(user: User) -> User:
    return User.all_objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def user_warn(
    *,
    user: User,
    by: User,
    reason: str,
    severity: str = ModerationAction.Severity.MEDIUM,
    reference=None,
    send_notice: bool = True,
) -> ModerationAction:
    """Issue a warning (a strike) about ``reference`` (any model instance), and tell the user."""
    _ensure_may_moderate(by=by, user=user)
    action = ModerationAction.objects.create(
        user=user,
        kind=ModerationAction.Kind.WARNING,
        severity=severity,
        reason=reason,
        created_by=by,
        **_reference_fields(reference),
    )
    audit_record(
        actor=by,
        action=AuditLogEntry.Action.WARNING_ISSUED,
        target_user=user,
        reason=reason,
        details={"action_id": str(action.id), "severity": severity},
    )
    _notify(
        user,
        "You received a warning",
        f"A moderator warned you: {reason}\n\nYou can appeal in the app.",
        send=send_notice,
    )
    return action


MAX_RESTRICTION = dt.timedelta(days=365)
CONTENT_KINDS = (ModerationAction.Kind.CONTENT_REMOVED, ModerationAction.Kind.MARKED_SENSITIVE)


@transaction.atomic
def user_content_action_record(*, user: User, by: User, kind: str, reason: str, reference=None) -> ModerationAction:
    """Record that a moderator removed or marked sensitive a piece of ``user``'s content (the
    content app did it), so that the author can appeal it. Not a strike; standing is unchanged.
    The caller tells the user (moderation's notifications)."""
    if kind not in CONTENT_KINDS:
        raise ApplicationError("Not a content action.", code="invalid_kind")
    if not by.has_perm("accounts.moderate_users"):
        raise PermissionDeniedError("Only moderators can do this.", code="not_allowed")
    action = ModerationAction.objects.create(
        user=user, kind=kind, reason=reason, created_by=by, **_reference_fields(reference)
    )
    audit_record(
        actor=by,
        action=AuditLogEntry.Action.CONTENT_ACTION,
        target_user=user,
        reason=reason,
        details={"action_id": str(action.id), "kind": kind},
    )
    return action


@transaction.atomic
def user_restrict(
    *, user: User, by: User, reason: str, until: dt.datetime, reference=None, send_notice: bool = True
) -> ModerationAction:
    """Keep the account from posting, commenting and chatting until ``until`` (it still signs in and
    reads); ``invalid_until`` (400) for a past time or more than 365 days ahead."""
    _ensure_may_moderate(by=by, user=user)
    now = timezone.now()
    if until <= now or until - now > MAX_RESTRICTION:
        raise ApplicationError("A restriction ends in the future, at most 365 days ahead.", code="invalid_until")
    user = _locked(user)
    action = ModerationAction.objects.create(
        user=user,
        kind=ModerationAction.Kind.RESTRICTION,
        reason=reason,
        ends_at=until,
        created_by=by,
        **_reference_fields(reference),
    )
    _refresh_standing(user)
    audit_record(
        actor=by,
        action=AuditLogEntry.Action.RESTRICTED,
        target_user=user,
        reason=reason,
        details={"action_id": str(action.id), "until": until.isoformat()},
    )
    _notify(
        user,
        "Your account is restricted",
        f"You cannot post, comment or chat until {until:%Y-%m-%d %H:%M} UTC: {reason}",
        send=send_notice,
    )
    return action


@transaction.atomic
def user_suspend(
    *, user: User, by: User, reason: str, until: dt.datetime, reference=None, send_notice: bool = True
) -> ModerationAction:
    """Suspend until ``until``: sessions and tokens end now, login and writes are refused until then."""
    _ensure_may_moderate(by=by, user=user)
    now = timezone.now()
    if until <= now:
        raise ApplicationError("A suspension must end in the future.", code="invalid_until")
    if until - now > MAX_SUSPENSION:
        raise ApplicationError("A suspension lasts at most 365 days; use a ban instead.", code="invalid_until")
    user = _locked(user)
    action = ModerationAction.objects.create(
        user=user,
        kind=ModerationAction.Kind.SUSPENSION,
        reason=reason,
        ends_at=until,
        created_by=by,
        **_reference_fields(reference),
    )
    _refresh_standing(user)
    _revoke_access(user)
    _run_standing_hooks(user, "account_suspended")
    audit_record(
        actor=by,
        action=AuditLogEntry.Action.SUSPENDED,
        target_user=user,
        reason=reason,
        details={"action_id": str(action.id), "until": until.isoformat()},
    )
    _notify(
        user,
        "Your account is suspended",
        f"Your account is suspended until {until:%Y-%m-%d %H:%M} UTC: {reason}",
        send=send_notice,
    )
    return action


@transaction.atomic
def user_ban(*, user: User, by: User, reason: str, reference=None, send_notice: bool = True) -> ModerationAction:
    """Ban for good (until lifted): sessions and tokens end now, login and writes are refused."""
    _ensure_may_moderate(by=by, user=user)
    user = _locked(user)
    if user.banned_at is not None:
        raise ConflictError("This account is already banned.", code="already_banned")
    action = ModerationAction.objects.create(
        user=user, kind=ModerationAction.Kind.BAN, reason=reason, created_by=by, **_reference_fields(reference)
    )
    _refresh_standing(user)
    _revoke_access(user)
    _run_standing_hooks(user, "account_banned")
    audit_record(
        actor=by,
        action=AuditLogEntry.Action.BANNED,
        target_user=user,
        reason=reason,
        details={"action_id": str(action.id)},
    )
    _notify(user, "Your account is banned", f"Your account is banned: {reason}", send=send_notice)
    return action


def _lift(action: ModerationAction, *, by: User, reason: str) -> ModerationAction:
    if action.lifted_at is not None:
        raise ConflictError("This action was already lifted.", code="already_lifted")
    if not reason.strip():
        raise ApplicationError("Say why the action is lifted.", code="reason_required")
    user = _locked(action.user)
    action.lifted_at = timezone.now()
    action.lifted_by = by
    action.lift_reason = reason
    action.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    _refresh_standing(user)
    for hook in lift_hooks:
        hook(action=action)
    audit_record(
        actor=by,
        action=AuditLogEntry.Action.ACTION_LIFTED,
        target_user=user,
        reason=reason,
        details={"action_id": str(action.id), "kind": action.kind},
    )
    return action


@transaction.atomic
def moderation_action_lift(
    *, action: ModerationAction, by: User, reason: str, send_notice: bool = True
) -> ModerationAction:
    """Lift a warning, restriction, suspension or ban; the account's standing is recomputed."""
    action = ModerationAction.objects.select_for_update().get(pk=action.pk)
    _ensure_may_moderate(by=by, user=action.user)
    _lift(action, by=by, reason=reason)
    _notify(
        action.user,
        "A moderation action was lifted",
        f"A {action.get_kind_display().lower()} was lifted: {reason}",
        send=send_notice,
    )
    return action


def appeal_token_for(*, action: ModerationAction) -> str:
    """A signed token with which a suspended or banned user, who cannot log in, appeals this action."""
    return signing.dumps({"action": str(action.id), "user": str(action.user_id)}, salt=APPEAL_TOKEN_SALT)


def appeal_token_valid(*, token: str, action: ModerationAction) -> bool:
    try:
        payload = signing.loads(token, salt=APPEAL_TOKEN_SALT, max_age=APPEAL_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return payload == {"action": str(action.id), "user": str(action.user_id)}


@transaction.atomic
def appeal_submit(*, action: ModerationAction, user: User, message: str) -> Appeal:
    """The action's target appeals it, once. Another user's action is reported as not found."""
    if action.user_id != user.pk:
        raise NotFoundError()
    message = message.strip()
    if not message or len(message) > MAX_APPEAL_LENGTH:
        raise ApplicationError(f"An appeal is 1 to {MAX_APPEAL_LENGTH} characters.", code="invalid_message")
    if action.lifted_at is not None:
        raise ConflictError("This action was already lifted.", code="already_lifted")
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(action=action, user=user, message=message)
    except IntegrityError:
        raise ConflictError("This action was already appealed.", code="appeal_exists") from None
    audit_record(
        actor=user,
        action=AuditLogEntry.Action.APPEAL_SUBMITTED,
        target_user=user,
        details={"action_id": str(action.id), "appeal_id": str(appeal.id)},
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, by: User, accept: bool, reason: str) -> Appeal:
    """Accept (lifting the action) or reject a pending appeal, with a reason the user is sent."""
    appeal = Appeal.objects.select_for_update().select_related("action", "user").get(pk=appeal.pk)
    if not by.has_perm("accounts.review_appeals"):
        raise PermissionDeniedError("Only moderators can decide appeals.", code="not_allowed")
    if by.pk in (appeal.user_id, appeal.action.created_by_id) and not by.has_perm("accounts.change_roles"):
        raise PermissionDeniedError(
            "Another moderator must review an appeal against your own action.", code="not_allowed"
        )
    if appeal.status != Appeal.Status.PENDING:
        raise ConflictError("This appeal was already decided.", code="appeal_decided")
    if not reason.strip():
        raise ApplicationError("Say why.", code="reason_required")
    appeal.status = Appeal.Status.ACCEPTED if accept else Appeal.Status.REJECTED
    appeal.decided_by = by
    appeal.decision_reason = reason
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decided_by", "decision_reason", "decided_at", "updated_at"])
    if accept and appeal.action.lifted_at is None:
        _lift(appeal.action, by=by, reason=f"Appeal accepted: {reason}")
    audit_record(
        actor=by,
        action=AuditLogEntry.Action.APPEAL_ACCEPTED if accept else AuditLogEntry.Action.APPEAL_REJECTED,
        target_user=appeal.user,
        reason=reason,
        details={"action_id": str(appeal.action_id), "appeal_id": str(appeal.id)},
    )
    verdict = "accepted" if accept else "rejected"
    _notify(appeal.user, f"Your appeal was {verdict}", f"Your appeal was {verdict}: {reason}")
    return appeal
