"""Making a report: checks, evidence, and joining the target's open case."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ApplicationError
from moderation.models import Case, Category, Report, Rule
from moderation.services import evidence as evidence_service
from moderation.services.priority import URGENT, most_severe, priority_of
from moderation.services.targets import Target, target_for_viewer

MAX_COMMENT = 1000
MAX_RELATED = 5


class ReportRateLimitedError(ApplicationError):
    """Too many reports from one reporter in the window; ``retry_after`` in seconds."""

    status_code = 429
    default_code = "report_rate_limited"
    default_message = "You have sent many reports recently. Try again later."

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(extra={"retry_after": max(1, retry_after)})


@dataclass(frozen=True)
class RelatedItem:
    type: str
    id: Any


def _check_rate(*, reporter: User, now: dt.datetime) -> None:
    limit = settings.MODERATION_REPORTS_PER_HOUR
    since = now - dt.timedelta(hours=1)
    recent = list(
        Report.objects.filter(reporter=reporter, created_at__gt=since)
        .order_by("created_at")
        .values_list("created_at", flat=True)[: limit + 1]
    )
    if len(recent) >= limit:
        oldest = recent[len(recent) - limit]
        raise ReportRateLimitedError(retry_after=math.ceil((oldest + dt.timedelta(hours=1) - now).total_seconds()))


def _lock(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _case_refresh(case: Case, *, target: Target) -> None:
    """Recompute the case's category, urgency, reporters and priority from its open reports."""
    reports = Report.objects.filter(case=case)
    categories = list(reports.values_list("category", flat=True).distinct())
    case.category = most_severe(categories)
    case.urgent = case.category in URGENT
    case.reporters_count = reports.values("reporter").distinct().count()
    case.reach = target.reach
    case.priority = priority_of(category=case.category, reporters=case.reporters_count, reach=case.reach)
    case.save(update_fields=["category", "urgent", "reporters_count", "reach", "priority", "updated_at"])


def _open_case(*, target: Target, category: str) -> Case:
    """The target's open case (locked), made now if there is none (the partial unique index
    decides between two reports racing to make it)."""
    for _attempt in range(2):
        case = (
            Case.objects.select_for_update()
            .filter(target_type=target.type, target_id=target.id, status=Case.Status.OPEN)
            .first()
        )
        if case is not None:
            return case
        try:
            with transaction.atomic():
                return Case.objects.create(
                    target_type=target.type,
                    target_id=target.id,
                    target_label=target.label,
                    target_user=target.user,
                    category=category,
                )
        except IntegrityError:
            continue
    raise ApplicationError("Could not open a case; try again.", code="conflict", status_code=409)


def report_create(
    *,
    reporter: User,
    target_type: str,
    target_id: Any,
    category: str,
    rule: Rule | None = None,
    comment: str = "",
    related: list[RelatedItem] | None = None,
) -> tuple[Report, bool]:
    """Report a target: ``(report, created)``.

    The reporter must be able to see it (else its own endpoint's 404/403/451) and may not
    report themselves (400 ``cannot_report_self``) nor past the rate limit (429
    ``report_rate_limited`` with ``retry_after``). Up to 5 related items, each visible to the
    reporter and answered for by the same user (400 ``related_not_same_user``,
    ``too_many_related``). A second report by the same reporter on the same target while the
    first is open returns the first (``created`` false), unchanged. The report joins the
    target's open case (or opens one), whose priority is recomputed.
    """
    if category not in Category.values:
        raise ApplicationError("Unknown category.", code="invalid_category")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ApplicationError(f"A comment is at most {MAX_COMMENT} characters.", code="comment_too_long")
    if rule is not None and not rule.active:
        raise ApplicationError("This rule is retired.", code="invalid_rule")
    related = related or []
    if len(related) > MAX_RELATED:
        raise ApplicationError(f"At most {MAX_RELATED} related items.", code="too_many_related")
    target = target_for_viewer(target_type=target_type, target_id=target_id, viewer=reporter)
    if target.user.pk == reporter.pk:
        raise ApplicationError("You cannot report yourself or your own content.", code="cannot_report_self")
    existing = Report.objects.filter(
        reporter=reporter, target_type=target.type, target_id=target.id, status=Report.Status.OPEN
    ).first()
    if existing is not None:
        return existing, False
    items: list[Target] = []
    seen = {(target.type, target.id)}
    for item in related:
        resolved = target_for_viewer(target_type=item.type, target_id=item.id, viewer=reporter)
        if resolved.user.pk != target.user.pk:
            raise ApplicationError("Related items must belong to the same user.", code="related_not_same_user")
        if (resolved.type, resolved.id) not in seen:
            seen.add((resolved.type, resolved.id))
            items.append(resolved)
    _check_rate(reporter=reporter, now=timezone.now())  # before copying media for nothing
    evidence = evidence_service.evidence_build(target=target, related=items)
    try:
        with transaction.atomic():
            # Again under a per-reporter lock, so that concurrent reports cannot pass the limit.
            _lock(f"moderation:reports:{reporter.pk}")
            _check_rate(reporter=reporter, now=timezone.now())
            case = _open_case(target=target, category=category)
            report = Report.objects.create(
                reporter=reporter,
                case=case,
                target_type=target.type,
                target_id=target.id,
                target_user=target.user,
                category=category,
                rule=rule,
                comment=comment,
                related=[{"type": item.type, "id": item.id} for item in items],
                evidence=evidence,
            )
            _case_refresh(case, target=target)
    except IntegrityError:
        # The same reporter, the same target, twice at once: the other request's report stands.
        existing = Report.objects.filter(
            reporter=reporter, target_type=target.type, target_id=target.id, status=Report.Status.OPEN
        ).first()
        if existing is None:
            raise
        return existing, False
    return report, True
