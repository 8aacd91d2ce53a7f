"""A case: every open report about one target, handled once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from moderation.models.targets import Action, Category, TargetType


class Case(BaseModel):
    """Reports about the same target join its one open case.

    Status (transitions only in ``moderation.services``)::

        open -> actioned   (a moderator took an action other than dismiss)
        open -> dismissed  (a moderator found nothing to act on)

    Closed cases stay closed: a new report about the same target opens a new case, which shows
    the earlier ones in the target's history. ``priority`` orders the queue (highest first):
    see ``moderation.services.priority``.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True, default="")
    # The account answerable for the target (the author, owner, sender, or the user reported).
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="moderation_cases"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    category = models.CharField(
        max_length=24, choices=Category.choices, help_text="The most severe category its reports name."
    )
    urgent = models.BooleanField(default=False, help_text="Child safety or self-harm: ahead of everything else.")
    priority = models.IntegerField(default=0)
    reporters_count = models.PositiveIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0, help_text="Followers of the account, or views of a video.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_action_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=20, choices=Action.choices, blank=True, default="")

    class Meta(BaseModel.Meta):
        ordering = ["-priority", "created_at"]
        permissions = [
            ("handle_cases", "Can handle moderation cases"),
            ("view_moderation_stats", "Can see T&S figures"),
        ]
        indexes = [models.Index(fields=["status", "-priority", "created_at"], name="moderation_case_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=Q(status="open"),
                name="moderation_case_one_open_per_target",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="moderation_case_resolution_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_type_display()}: {self.target_label or self.target_id}"


class CaseNote(BaseModel):
    """A note between moderators on a case (never shown to users)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=2000)

    class Meta(BaseModel.Meta):
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]
