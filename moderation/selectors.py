"""Reads of moderation: the queue, a case with its target's history, reports, the log, figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from moderation.models import Case, Decision, ModerationLogEntry, Report, Rule


def case_queue(*, status: str = Case.Status.OPEN, assigned_to_id: Any = None, unassigned: bool = False) -> QuerySet:
    """Cases in queue order: by priority (urgent cases always lead: see services.priority), oldest first."""
    cases = Case.objects.filter(status=status).select_related("target_user", "assigned_to")
    if assigned_to_id is not None:
        cases = cases.filter(assigned_to_id=assigned_to_id)
    if unassigned:
        cases = cases.filter(assigned_to__isnull=True)
    return cases.order_by("-priority", "created_at", "id")


def case_get(*, case_id: Any) -> Case | None:
    return Case.objects.select_related("target_user", "assigned_to", "resolved_by").filter(pk=case_id).first()


def case_reports(*, case: Case) -> list[Report]:
    return list(case.reports.select_related("reporter", "rule").order_by("created_at"))


def case_decisions(*, case: Case) -> list[Decision]:
    return list(case.decisions.select_related("by", "rule", "reversed_by", "account_action").order_by("created_at"))


def pending_work_counts() -> dict[str, int]:
    """For the admin index: open cases, open cases nobody is assigned, and urgent open cases."""
    counts = Case.objects.filter(status=Case.Status.OPEN).aggregate(
        open_cases=Count("id"),
        unassigned=Count("id", filter=Q(assigned_to__isnull=True)),
        urgent=Count("id", filter=Q(urgent=True)),
    )
    return {name: counts[name] or 0 for name in ("open_cases", "unassigned", "urgent")}


@dataclass
class TargetHistory:
    account_age_days: int | None
    strikes: list = field(default_factory=list)  # accounts.ModerationAction, newest first
    earlier_cases: list = field(default_factory=list)
    reports_against: int = 0
    standing: str = "good"


def target_history(*, case: Case) -> TargetHistory:
    """The answerable account's record: its age, its strikes and other actions (accounts), and
    earlier cases and reports about it."""
    from accounts.selectors import account_age_days, moderation_actions_of

    user = case.target_user
    if user is None:
        return TargetHistory(account_age_days=None, standing="gone")
    standing = "good"
    now = timezone.now()
    if user.banned_at:
        standing = "banned"
    elif user.suspended_until and user.suspended_until > now:
        standing = "suspended"
    elif user.restricted_until and user.restricted_until > now:
        standing = "restricted"
    return TargetHistory(
        account_age_days=account_age_days(user=user),
        strikes=list(moderation_actions_of(user=user)[:50]),
        earlier_cases=list(Case.objects.filter(target_user=user).exclude(pk=case.pk).order_by("-created_at")[:20]),
        reports_against=Report.objects.filter(target_user=user).exclude(case=case).count(),
        standing=standing,
    )


def reports_of_reporter(*, reporter: Any) -> QuerySet:
    return Report.objects.filter(reporter=reporter).select_related("rule").order_by("-id")


def rules_active() -> QuerySet:
    return Rule.objects.filter(active=True).order_by("position", "title")


def log_entries(*, moderator_id: Any = None, target_user_id: Any = None, action: str | None = None) -> QuerySet:
    entries = ModerationLogEntry.objects.select_related("actor", "target_user").order_by("-id")
    if moderator_id:
        entries = entries.filter(actor_id=moderator_id)
    if target_user_id:
        entries = entries.filter(target_user_id=target_user_id)
    if action:
        entries = entries.filter(action=action)
    return entries


@dataclass
class MonthlyFigures:
    month: dt.date
    reports_by_category: dict[str, int]
    reports_total: int
    median_seconds_to_first_action: float | None
    actions_by_type: dict[str, int]
    appeals_upheld: int
    appeals_overturned: int


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def monthly_figures(*, month: dt.date) -> MonthlyFigures:
    """Reports by category, the median time from a case's opening to its first action (cases
    opened that month by reports: not the ones a moderator opened by acting from a list),
    decisions by action, and appeals decided that month: upheld (rejected) and overturned
    (accepted)."""
    from accounts.selectors import appeals_decided_counts

    start, end = month_bounds(month)
    reports = dict(
        Report.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    sql = (
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM first_action_at - created_at)) "  # noqa: S608
        f"FROM {Case._meta.db_table} WHERE created_at >= %s AND created_at < %s AND first_action_at IS NOT NULL"
        " AND reporters_count > 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        median = cursor.fetchone()[0]
    actions = dict(
        Decision.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("action")
        .annotate(n=Count("id"))
        .values_list("action", "n")
    )
    appeals = appeals_decided_counts(start=start, end=end)
    return MonthlyFigures(
        month=start.date(),
        reports_by_category=reports,
        reports_total=sum(reports.values()),
        median_seconds_to_first_action=float(median) if median is not None else None,
        actions_by_type=actions,
        appeals_upheld=appeals["rejected"],
        appeals_overturned=appeals["accepted"],
    )
