"""What a moderator does with a case, and undoing it.

Actions (``moderation.models.Action``) and the target types they apply to:

- ``dismiss``: any target; nothing changes, reporters are told no action was taken.
- ``remove``: posts, comments, videos (moderation status ``removed``), chat messages (hidden),
  live streams (ended with the reason). Recorded in accounts as ``content_removed`` so the
  author can appeal it.
- ``mark_sensitive``: posts and videos (``sensitive``). Recorded as ``marked_sensitive``.
- ``warn``: a strike (accounts warning), about the target.
- ``restrict``: no posting, commenting, chatting, uploading or streaming for ``days``.
- ``suspend``: for ``days``; ``ban``: until lifted. Both reach every domain
  (``moderation.services.enforcement``), optionally hiding the account's chat lines.

Every action closes the case (``actioned``, or ``dismissed``) and its reports, writes one log
entry with the target before and after, tells the user (unless ``notify_user`` is off) with the
rule, the reason and how to appeal, and tells each reporter the outcome (never the details).
Reversing a decision (:func:`decision_reverse`, or an appeal accepted in accounts) undoes it
and tells the user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ModerationAction, User
from accounts.services import moderation as account_moderation
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from moderation.models import Action, Case, Decision, ModerationLogEntry, Report, Rule, TargetType
from moderation.services import enforcement
from moderation.services.log import acting, log_record
from moderation.services.targets import target_for_moderator
from notifications.services import notify

MAX_REASON = 2000
MAX_DAYS = 365
REMOVABLE = {
    TargetType.POST,
    TargetType.COMMENT,
    TargetType.VIDEO,
    TargetType.CHAT_MESSAGE,
    TargetType.LIVE_STREAM,
    TargetType.AD,
}
SENSITIVE_TARGETS = {TargetType.POST, TargetType.VIDEO}
NEEDS_DAYS = {Action.RESTRICT, Action.SUSPEND}
ACCOUNT_ACTIONS = {Action.WARN, Action.RESTRICT, Action.SUSPEND, Action.BAN}


def ensure_moderator(by: Any) -> None:
    if not (by is not None and by.is_authenticated and by.has_perm("moderation.handle_cases")):
        raise PermissionDeniedError("Only moderators can handle cases.", code="not_allowed")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Give a reason.", code="reason_required")
    if len(reason) > MAX_REASON:
        raise ApplicationError(f"A reason is at most {MAX_REASON} characters.", code="reason_too_long")
    return reason


def target_state(*, target_type: str, obj: Any) -> dict[str, Any]:
    """The parts of a target an action changes, for the log's before/after."""
    if obj is None:
        return {"gone": True}
    if target_type == TargetType.USER:
        return {
            "suspended_until": obj.suspended_until.isoformat() if obj.suspended_until else None,
            "restricted_until": obj.restricted_until.isoformat() if obj.restricted_until else None,
            "banned_at": obj.banned_at.isoformat() if obj.banned_at else None,
        }
    if target_type == TargetType.AD:
        return {"is_active": obj.is_active, "campaign_status": obj.campaign.status}
    state: dict[str, Any] = {"deleted": obj.deleted_at is not None}
    if target_type in (TargetType.POST, TargetType.VIDEO):
        state.update({"moderation_status": obj.moderation_status, "sensitive": obj.sensitive})
    elif target_type == TargetType.COMMENT:
        state["moderation_status"] = obj.moderation_status
    elif target_type == TargetType.LIVE_STREAM:
        state["status"] = obj.status
    return state


def _user_state(user: User | None) -> dict[str, Any]:
    if user is None:
        return {}
    user.refresh_from_db(fields=["suspended_until", "restricted_until", "banned_at"])
    return {"account": target_state(target_type=TargetType.USER, obj=user)}


def _remove(*, target_type: str, obj: Any, by: User, reason: str) -> None:
    from content.models import Post, Video
    from content.services.posts import post_moderate
    from content.services.videos import video_moderate
    from social.models import Comment
    from social.services.comments import comment_moderate
    from streaming.models import LiveStream
    from streaming.services.chat import chat_message_delete_by_staff
    from streaming.services.streams import stream_end_by_moderator

    if target_type == TargetType.POST:
        if obj.moderation_status != Post.ModerationStatus.REMOVED:
            post_moderate(post=obj, status=Post.ModerationStatus.REMOVED, reason=reason, by=by)
    elif target_type == TargetType.VIDEO:
        video_moderate(video=obj, moderator=by, status=Video.Moderation.REMOVED, reason=reason)
    elif target_type == TargetType.COMMENT:
        comment_moderate(comment=obj, status=Comment.ModerationStatus.REMOVED, reason=reason, by=by)
    elif target_type == TargetType.CHAT_MESSAGE:
        if obj.deleted_at is None:
            chat_message_delete_by_staff(message=obj, by=by, reason=reason)
    elif target_type == TargetType.AD:
        from ads.services.campaigns import ad_moderate

        ad_moderate(ad=obj, active=False)
    elif target_type == TargetType.LIVE_STREAM:
        if obj.status != LiveStream.Status.LIVE:
            raise ConflictError("Only a live stream can be ended.", code="stream_not_live")
        stream_end_by_moderator(stream=obj, moderator=by, reason=reason)


def _restore(*, target_type: str, obj: Any, by: User, reason: str) -> None:
    from content.models import Post, Video
    from content.services.posts import post_moderate
    from content.services.videos import video_moderate
    from social.models import Comment
    from social.services.comments import comment_moderate
    from streaming.services.chat import chat_message_restore_by_staff

    if obj is None:
        return
    if target_type == TargetType.POST and obj.moderation_status == Post.ModerationStatus.REMOVED:
        post_moderate(post=obj, status=Post.ModerationStatus.VISIBLE, reason=reason, by=by)
    elif target_type == TargetType.VIDEO:
        video_moderate(video=obj, moderator=by, status=Video.Moderation.VISIBLE, reason=reason)
    elif target_type == TargetType.COMMENT:
        comment_moderate(comment=obj, status=Comment.ModerationStatus.VISIBLE, reason=reason, by=by)
    elif target_type == TargetType.CHAT_MESSAGE:
        chat_message_restore_by_staff(message_id=obj.pk, by=by)
    elif target_type == TargetType.AD:
        from ads.services.campaigns import ad_moderate

        ad_moderate(ad=obj, active=True)
    # A live stream that was ended stays ended.


def _mark_sensitive(*, target_type: str, obj: Any, by: User, sensitive: bool) -> None:
    from content.services.posts import post_mark_sensitive
    from content.services.videos import video_mark_sensitive

    if obj is None:
        return
    if target_type == TargetType.POST:
        post_mark_sensitive(post=obj, sensitive=sensitive, by=by)
    else:
        video_mark_sensitive(video=obj, sensitive=sensitive, by=by)


def _appeal(action: ModerationAction | None) -> dict[str, Any]:
    if action is None:
        return {}
    token = account_moderation.appeal_token_for(action=action)
    return {
        "appeal": {"action": str(action.pk), "appeal_token": token, "api": "/api/v1/accounts/appeals/"},
        "actions": [
            {
                "label": "Appeal",
                "action": "appeal",
                "url": f"{settings.SITE_URL}/appeal/?action={action.pk}&token={token}",
                "api": "/api/v1/accounts/appeals/",
            }
        ],
    }


def _notify_user(decision: Decision, *, kind: str) -> None:
    if decision.target_user is None:
        return
    rule = decision.rule.title if decision.rule else ""
    reason = decision.reverse_reason if kind == "moderation_reversed" else decision.reason
    body = (f"Rule: {rule}\n" if rule else "") + f"Reason: {reason}"
    data = {"decision_id": str(decision.pk), "action": decision.action, "rule": rule, "reason": reason, "body": body}
    if decision.days:
        data["days"] = decision.days
    if kind == "moderation_action":
        data.update(_appeal(decision.account_action))
    notify(
        recipient=decision.target_user,
        kind=kind,
        target=decision,
        data=data,
        idempotency_key=f"{kind}:{decision.pk}",
    )


def _notify_reporters(case: Case) -> None:
    for report in case.reports.select_related("reporter").exclude(reporter=None):
        actioned = report.status == Report.Status.ACTIONED
        notify(
            recipient=report.reporter,
            kind="report_outcome",
            target=report,
            data={
                "report_id": str(report.pk),
                "outcome": report.status,
                "body": "We took action on what you reported. Thank you."
                if actioned
                else "We reviewed what you reported and found no breach of our rules.",
            },
            idempotency_key=f"report-outcome:{report.pk}",
        )


def _close(case: Case, *, by: User, action: str, now: dt.datetime) -> None:
    status = Case.Status.DISMISSED if action == Action.DISMISS else Case.Status.ACTIONED
    case.status = status
    case.resolved_at = now
    case.resolved_by = by
    case.resolution = action
    case.first_action_at = case.first_action_at or now
    case.save(update_fields=["status", "resolved_at", "resolved_by", "resolution", "first_action_at", "updated_at"])
    report_status = Report.Status.DISMISSED if action == Action.DISMISS else Report.Status.ACTIONED
    case.reports.filter(status=Report.Status.OPEN).update(status=report_status, resolved_at=now, updated_at=now)


def _check_action(*, case: Case, action: str, days: int | None, obj: Any) -> None:
    if action not in Action.values:
        raise ApplicationError("Unknown action.", code="invalid_action")
    if action == Action.REMOVE and case.target_type not in REMOVABLE:
        raise ApplicationError("There is no content to remove; act on the account.", code="action_not_applicable")
    if action == Action.MARK_SENSITIVE and case.target_type not in SENSITIVE_TARGETS:
        raise ApplicationError("Only posts and videos can be marked sensitive.", code="action_not_applicable")
    if action in NEEDS_DAYS and (days is None or not 1 <= days <= MAX_DAYS):
        raise ApplicationError(f"Give a number of days from 1 to {MAX_DAYS}.", code="invalid_days")
    if action in (Action.REMOVE, Action.MARK_SENSITIVE) and obj is None:
        raise ConflictError("The content is gone for good.", code="target_gone")
    if action in ACCOUNT_ACTIONS and case.target_user is None:
        raise ConflictError("The account is gone for good.", code="target_gone")


def case_act(
    *,
    case: Case,
    by: User,
    action: str,
    reason: str,
    rule: Rule | None = None,
    days: int | None = None,
    hide_chat: bool = False,
    notify_user: bool = True,
    source: str = ModerationLogEntry.Source.ADMIN,
) -> Decision:
    """Take ``action`` on an open case (see the module docstring). Errors: 403 ``not_allowed``;
    400 ``reason_required``, ``reason_too_long``, ``invalid_action``, ``action_not_applicable``,
    ``invalid_days``; 409 ``case_closed``, ``target_gone``, ``stream_not_live``, and the
    accounts errors (``already_banned``, 403 ``not_allowed`` for staff targets)."""
    ensure_moderator(by)
    reason = _clean_reason(reason)
    with transaction.atomic(), acting():
        case = Case.objects.select_for_update(of=("self",)).select_related("target_user").get(pk=case.pk)
        if case.status != Case.Status.OPEN:
            raise ConflictError("This case is closed.", code="case_closed")
        obj = target_for_moderator(target_type=case.target_type, target_id=case.target_id)
        _check_action(case=case, action=action, days=days, obj=obj)
        now = timezone.now()
        user = case.target_user
        before = {"target": target_state(target_type=case.target_type, obj=obj), **_user_state(user)}
        reference = obj if case.target_type != TargetType.USER else None
        account_action: ModerationAction | None = None
        effects: dict[str, Any] = {}
        kind = ModerationAction.Kind
        if action == Action.REMOVE:
            _remove(target_type=case.target_type, obj=obj, by=by, reason=reason)
            account_action = account_moderation.user_content_action_record(
                user=user, by=by, kind=kind.CONTENT_REMOVED, reason=reason, reference=reference
            )
        elif action == Action.MARK_SENSITIVE:
            _mark_sensitive(target_type=case.target_type, obj=obj, by=by, sensitive=True)
            account_action = account_moderation.user_content_action_record(
                user=user, by=by, kind=kind.MARKED_SENSITIVE, reason=reason, reference=reference
            )
        elif action == Action.WARN:
            account_action = account_moderation.user_warn(
                user=user, by=by, reason=reason, reference=reference, send_notice=False
            )
        elif action == Action.RESTRICT:
            account_action = account_moderation.user_restrict(
                user=user, by=by, reason=reason, until=now + dt.timedelta(days=days), reference=reference,
                send_notice=False,
            )  # fmt: skip
        elif action == Action.SUSPEND:
            account_action = account_moderation.user_suspend(
                user=user, by=by, reason=reason, until=now + dt.timedelta(days=days), reference=reference,
                send_notice=False,
            )  # fmt: skip
        elif action == Action.BAN:
            account_action = account_moderation.user_ban(
                user=user, by=by, reason=reason, reference=reference, send_notice=False
            )
        if action in (Action.SUSPEND, Action.BAN):
            user.refresh_from_db()
            effects = enforcement.account_enforce(
                user=user,
                code="account_suspended" if action == Action.SUSPEND else "account_banned",
                reason=reason,
                hide_chat=hide_chat,
                marker=str(account_action.pk),
            )
        decision = Decision.objects.create(
            case=case,
            action=action,
            rule=rule,
            reason=reason,
            by=by,
            target_type=case.target_type,
            target_id=case.target_id,
            target_user=user,
            days=days if action in NEEDS_DAYS else None,
            hide_chat=hide_chat and action in (Action.SUSPEND, Action.BAN),
            notify_user=notify_user,
            account_action=account_action,
            effects=effects,
        )
        _close(case, by=by, action=action, now=now)
        obj = target_for_moderator(target_type=case.target_type, target_id=case.target_id)
        log_record(
            actor=by, source=source, action=action, target_type=case.target_type, target_id=case.target_id,
            target_user=user, case=case, decision=decision, rule=rule, reason=reason, before=before,
            after={"target": target_state(target_type=case.target_type, obj=obj), **_user_state(user)},
            details={"days": decision.days, "hide_chat": decision.hide_chat, "notify_user": notify_user,
                     "effects": effects},
        )  # fmt: skip
        if notify_user and action != Action.DISMISS:
            _notify_user(decision, kind="moderation_action")
        _notify_reporters(case)
    return decision


def _undo(decision: Decision, *, by: User | None, reason: str, lift_account_action: bool) -> dict[str, Any]:
    obj = target_for_moderator(target_type=decision.target_type, target_id=decision.target_id)
    before = {"target": target_state(target_type=decision.target_type, obj=obj), **_user_state(decision.target_user)}
    if decision.action == Action.REMOVE and by is not None:
        _restore(target_type=decision.target_type, obj=obj, by=by, reason=reason)
    elif decision.action == Action.MARK_SENSITIVE and by is not None:
        _mark_sensitive(target_type=decision.target_type, obj=obj, by=by, sensitive=False)
    action = decision.account_action
    if lift_account_action and action is not None and action.lifted_at is None:
        account_moderation.moderation_action_lift(action=action, by=by, reason=reason, send_notice=False)
    return before


def decision_reverse(
    *, decision: Decision, by: User, reason: str, source: str = ModerationLogEntry.Source.ADMIN
) -> Decision:
    """Undo a decision: content comes back (a live stream stays ended), a sensitive mark goes,
    the accounts action is lifted (releasing what a suspension held: hidden chat lines come
    back; cancelled streams stay cancelled). The user is told. 409 ``already_reversed``,
    ``not_reversible`` (a dismissal)."""
    ensure_moderator(by)
    reason = _clean_reason(reason)
    with transaction.atomic(), acting():
        decision = (
            Decision.objects.select_for_update(of=("self",))
            .select_related("target_user", "account_action", "rule")
            .get(pk=decision.pk)
        )
        if decision.action == Action.DISMISS:
            raise ConflictError("A dismissal has nothing to undo.", code="not_reversible")
        if decision.reversed_at is not None:
            raise ConflictError("This decision was already reversed.", code="already_reversed")
        decision.reversed_at = timezone.now()
        decision.reversed_by = by
        decision.reverse_reason = reason
        decision.save(update_fields=["reversed_at", "reversed_by", "reverse_reason", "updated_at"])
        before = _undo(decision, by=by, reason=reason, lift_account_action=True)
        _log_reversal(decision, by=by, source=source, before=before)
        if decision.notify_user:
            _notify_user(decision, kind="moderation_reversed")
    return decision


def _log_reversal(decision: Decision, *, by: User | None, source: str, before: dict) -> None:
    obj = target_for_moderator(target_type=decision.target_type, target_id=decision.target_id)
    log_record(
        actor=by, source=source, action="reverse", target_type=decision.target_type, target_id=decision.target_id,
        target_user=decision.target_user, case=decision.case, decision=decision, rule=decision.rule,
        reason=decision.reverse_reason, before=before,
        after={"target": target_state(target_type=decision.target_type, obj=obj),
               **_user_state(decision.target_user)},
        details={"reversed_action": decision.action},
    )  # fmt: skip


def decision_reverse_for_lifted_action(*, action: ModerationAction) -> Decision | None:
    """accounts lifted the action behind a decision (a moderator there, or an accepted appeal):
    the decision is reversed the same way, and the user told."""
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("target_user", "rule")
        .filter(account_action=action, reversed_at__isnull=True)
        .first()
    )
    if decision is None:
        return None
    with acting():
        decision.reversed_at = timezone.now()
        decision.reversed_by = action.lifted_by
        decision.reverse_reason = action.lift_reason
        decision.save(update_fields=["reversed_at", "reversed_by", "reverse_reason", "updated_at"])
        before = _undo(decision, by=action.lifted_by, reason=action.lift_reason, lift_account_action=False)
        _log_reversal(decision, by=action.lifted_by, source=ModerationLogEntry.Source.ACCOUNTS, before=before)
        if decision.notify_user:
            _notify_user(decision, kind="moderation_reversed")
    return decision


# What each action from a list of targets can do: ``dismiss`` needs a case with reports.
LIST_ACTIONS = {
    TargetType.USER: [Action.WARN, Action.RESTRICT, Action.SUSPEND, Action.BAN],
    TargetType.POST: [Action.REMOVE, Action.MARK_SENSITIVE, Action.WARN, Action.RESTRICT, Action.SUSPEND, Action.BAN],
    TargetType.VIDEO: [Action.REMOVE, Action.MARK_SENSITIVE, Action.WARN, Action.RESTRICT, Action.SUSPEND, Action.BAN],
    TargetType.COMMENT: [Action.REMOVE, Action.WARN, Action.RESTRICT, Action.SUSPEND, Action.BAN],
    TargetType.CHAT_MESSAGE: [Action.REMOVE, Action.WARN, Action.RESTRICT, Action.SUSPEND, Action.BAN],
    TargetType.LIVE_STREAM: [Action.REMOVE, Action.WARN, Action.RESTRICT, Action.SUSPEND, Action.BAN],
}


def target_act(
    *,
    target_type: str,
    target_id: Any,
    by: User,
    action: str,
    reason: str,
    rule: Rule | None = None,
    days: int | None = None,
    hide_chat: bool = False,
    notify_user: bool = True,
    source: str = ModerationLogEntry.Source.ADMIN,
) -> Decision:
    """Act on a target found in a list (the admin's posts, comments, videos, chat, streams and
    users lists; the staff API's ``targets/act/``) rather than in the queue: the target's open
    case is used, or one is opened for it (category ``other``, no reports, a note saying who
    opened it), and :func:`case_act` does the rest exactly as from the queue (the same checks,
    effects, notifications, reporters told, one log entry). If the action fails, a case opened
    for it is not kept. 404 ``not_found`` for a target gone for good; 400 ``action_not_applicable``
    for an action the target type has no use for here (``dismiss`` needs reports)."""
    from moderation.models import CaseNote, Category
    from moderation.services.priority import priority_of
    from moderation.services.reports import _open_case
    from moderation.services.targets import target_for_staff

    ensure_moderator(by)
    reason = _clean_reason(reason)
    if action not in Action.values:
        raise ApplicationError("Unknown action.", code="invalid_action")
    if action not in LIST_ACTIONS.get(target_type, []):
        raise ApplicationError("This action does not apply to this kind of target.", code="action_not_applicable")
    with transaction.atomic():
        target = target_for_staff(target_type=target_type, target_id=target_id)
        case = _open_case(target=target, category=Category.OTHER)
        if not case.reports.exists() and not case.notes.exists():
            case.reach = target.reach
            case.priority = priority_of(category=case.category, reporters=0, reach=target.reach)
            case.save(update_fields=["reach", "priority", "updated_at"])
            CaseNote.objects.create(case=case, author=by, text=f"Opened by @{by.handle} from a list ({source}).")
        return case_act(
            case=case, by=by, action=action, reason=reason, rule=rule, days=days, hide_chat=hide_chat,
            notify_user=notify_user, source=source,
        )  # fmt: skip


def targets_act(
    *, targets: list[tuple[str, Any]], by: User, action: str, **options: Any
) -> tuple[list[Decision], list[dict[str, Any]]]:
    """:func:`target_act` for each of ``targets`` (``(type, id)``), each in its own transaction
    and log entry: ``(decisions, failures)``, a failure being ``{type, id, code, detail}``.
    Account actions (warn, restrict, suspend, ban) act once per account: a second target of the
    same account is skipped (``code: same_account``), so selecting three posts of one spammer
    and choosing "suspend" suspends them once, about the first."""
    decisions: list[Decision] = []
    failures: list[dict[str, Any]] = []
    accounts_done: set[Any] = set()
    for target_type, target_id in targets:
        try:
            if action in ACCOUNT_ACTIONS:
                from moderation.services.targets import target_for_staff

                user_id = target_for_staff(target_type=target_type, target_id=target_id).user.pk
                if user_id in accounts_done:
                    failures.append({"type": target_type, "id": str(target_id), "code": "same_account",
                                     "detail": "Acted on this account already in this batch."})  # fmt: skip
                    continue
                accounts_done.add(user_id)
            decisions.append(target_act(target_type=target_type, target_id=target_id, by=by, action=action, **options))
        except ApplicationError as error:
            failures.append({"type": target_type, "id": str(target_id), "code": error.code, "detail": error.message})
    return decisions, failures
