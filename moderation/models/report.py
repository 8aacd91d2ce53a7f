"""A user's report about a user, post, comment, video, live stream or chat message."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from moderation.models.case import Case
from moderation.models.rule import Rule
from moderation.models.targets import Category, TargetType


class Report(BaseModel):
    """One report, with the evidence frozen when it was made.

    ``evidence`` is a snapshot taken at report time (``moderation.services.evidence``): the
    target's text and metadata, copies of its images (stored under ``moderation/evidence/``) and
    references to its video, the chat lines around a reported message, and the same for each
    related item. Edits and deletion of the originals do not change it.

    Status follows its case: open -> actioned | dismissed (``moderation.services.actions``).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Action taken"
        DISMISSED = "dismissed", "No action"

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.CharField(max_length=64)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=24, choices=Category.choices)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True, default="", max_length=1000)
    related = models.JSONField(default=list, blank=True, help_text='[{"type": "post", "id": "..."}]')
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["reporter", "-id"], name="moderation_report_reporter"),
            models.Index(fields=["target_user", "-id"], name="moderation_report_target_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=Q(status="open"),
                name="moderation_report_one_open_per_reporter_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} report on {self.get_target_type_display().lower()}"

    @property
    def title(self) -> str:
        """How the reporter's notification names it."""
        return f"your report ({self.get_category_display().lower()})"
