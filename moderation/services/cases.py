"""Working a case: assignment and notes between moderators."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ApplicationError, ConflictError
from moderation.models import Case, CaseNote, ModerationLogEntry
from moderation.services.actions import ensure_moderator
from moderation.services.log import log_record

MAX_NOTE = 2000


@transaction.atomic
def case_assign(*, case: Case, by: User, assignee: User | None, source: str = ModerationLogEntry.Source.ADMIN) -> Case:
    """Assign an open case to a moderator (``assignee=by``: "assign to me"), or unassign it
    (``None``). 400 ``invalid_assignee`` for someone who cannot handle cases; 409 ``case_closed``."""
    ensure_moderator(by)
    if assignee is not None and not assignee.has_perm("moderation.handle_cases"):
        raise ApplicationError("Only moderators can be assigned cases.", code="invalid_assignee")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Case.Status.OPEN:
        raise ConflictError("This case is closed.", code="case_closed")
    before = {"assigned_to": str(case.assigned_to_id) if case.assigned_to_id else None}
    case.assigned_to = assignee
    case.assigned_at = timezone.now() if assignee is not None else None
    case.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
    log_record(
        actor=by, source=source, action="assign" if assignee else "unassign", target_type=case.target_type,
        target_id=case.target_id, target_user=case.target_user, case=case, before=before,
        after={"assigned_to": str(assignee.pk) if assignee else None},
    )  # fmt: skip
    return case


@transaction.atomic
def case_note_add(*, case: Case, by: User, text: str) -> CaseNote:
    """A note for the other moderators on the case (1 to 2000 characters: 400 ``invalid_note``)."""
    ensure_moderator(by)
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise ApplicationError(f"A note is 1 to {MAX_NOTE} characters.", code="invalid_note")
    return CaseNote.objects.create(case=case, author=by, text=text)


def cases_priority_refresh() -> int:
    """Recompute the reach and priority of every open case (a target's followers or views grow
    while its case waits). Returns how many cases changed. Idempotent."""
    from moderation.services.priority import priority_of
    from moderation.services.targets import target_for_moderator

    changed = 0
    for case in Case.objects.filter(status=Case.Status.OPEN).select_related("target_user"):
        obj = target_for_moderator(target_type=case.target_type, target_id=case.target_id)
        if obj is None or case.target_user is None:
            continue
        reach = case.target_user.followers_count
        if case.target_type == "video":
            reach = max(reach, obj.view_count)
        priority = priority_of(category=case.category, reporters=case.reporters_count, reach=reach)
        if (reach, priority) != (case.reach, case.priority):
            Case.objects.filter(pk=case.pk, status=Case.Status.OPEN).update(reach=reach, priority=priority)
            changed += 1
    return changed
