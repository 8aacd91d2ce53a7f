"""The moderation log: one append-only entry per action, whoever took it and from where.

Moderation's own services write their entries (with the case, the decision, the rule, and the
target before and after). Two other sources land here through listeners registered in
``moderation.apps``: accounts' audit entries for warnings, suspensions, bans, lifts and appeals
made from accounts' own staff API or admin, and streams' chat moderation (streamers and their
moderators). While a moderation service acts (:func:`acting`), accounts' entries for the same
action are not copied again: the moderation entry already says more.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

from moderation.models import ModerationLogEntry

_acting: contextvars.ContextVar[bool] = contextvars.ContextVar("moderation_acting", default=False)

# accounts' audit actions that are moderation (role changes are not).
_ACCOUNTS_ACTIONS = {
    "warning_issued",
    "restricted",
    "suspended",
    "banned",
    "action_lifted",
    "content_action",
    "appeal_submitted",
    "appeal_accepted",
    "appeal_rejected",
}


@contextlib.contextmanager
def acting():
    """Within: a moderation service is acting (its own log entry and domain effects cover it)."""
    token = _acting.set(True)
    try:
        yield
    finally:
        _acting.reset(token)


def is_acting() -> bool:
    return _acting.get()


def log_record(
    *,
    actor: Any,
    source: str,
    action: str,
    target_type: str = "",
    target_id: Any = "",
    target_user: Any = None,
    case: Any = None,
    decision: Any = None,
    rule: Any = None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    details: dict | None = None,
) -> ModerationLogEntry:
    """Append one entry (in the caller's transaction)."""
    return ModerationLogEntry.objects.create(
        actor=actor,
        source=source,
        action=action,
        target_type=target_type,
        target_id=str(target_id or ""),
        target_user=target_user,
        case_id=getattr(case, "pk", None),
        decision_id=getattr(decision, "pk", None),
        rule=str(rule) if rule else "",
        reason=reason or "",
        before=before or {},
        after=after or {},
        details=details or {},
    )


def on_accounts_audit_entry(*, entry) -> None:
    """accounts' audit listener: its moderation entries, unless a moderation service made them."""
    if is_acting() or entry.action not in _ACCOUNTS_ACTIONS:
        return
    log_record(
        actor=entry.actor,
        source=ModerationLogEntry.Source.ACCOUNTS,
        action=f"account_{entry.action}",
        target_type="user",
        target_id=entry.target_user_id or "",
        target_user=entry.target_user,
        reason=entry.reason,
        details={"audit_entry_id": str(entry.pk), **entry.details},
    )


def on_chat_moderation_entry(*, entry) -> None:
    """streaming's chat log listener: what a streamer or their moderators did in a chat."""
    target_type, target_id = ("chat_message", entry.message_id) if entry.message_id else ("user", entry.target_user_id)
    log_record(
        actor=entry.actor,
        source=ModerationLogEntry.Source.STREAM_CHAT,
        action=f"chat_{entry.action}",
        target_type=target_type if target_id else "live_stream",
        target_id=target_id or entry.stream_id or "",
        target_user=entry.target_user,
        reason=entry.reason,
        details={"chat_log_id": str(entry.pk), "streamer_id": str(entry.streamer_id),
                 "stream_id": str(entry.stream_id) if entry.stream_id else None, **entry.details},
    )  # fmt: skip
