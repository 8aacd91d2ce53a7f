"""Moderation's section of a user's data export (accounts/export.py): the reports they made,
with what they said and each report's status. Never the evidence, nor reports about them
(those belong to the reporters and to the platform's safety records)."""

from accounts.export import register
from moderation.models import Report


def _reports(user) -> list[dict]:
    return [
        {
            "target": {"type": report.target_type, "id": report.target_id},
            "category": report.category,
            "rule": report.rule.title if report.rule else None,
            "comment": report.comment,
            "status": report.status,
            "created_at": report.created_at,
            "resolved_at": report.resolved_at,
        }
        for report in Report.objects.filter(reporter=user).select_related("rule").order_by("created_at")
    ]


register("reports", _reports)
