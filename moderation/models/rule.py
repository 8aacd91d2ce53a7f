"""The platform's rules (what a report and a decision cite) and moderators' action presets."""

from __future__ import annotations

from django.db import models

from core.models import BaseModel
from moderation.models.targets import Action


class Rule(BaseModel):
    """One platform rule, managed in the admin. Reports and decisions cite it; retired rules
    (``active`` off) stay on what cited them but are not offered any more."""

    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta(BaseModel.Meta):
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class ActionPreset(BaseModel):
    """A common decision, ready to apply: its action, rule, reason and (restrict, suspend) days."""

    label = models.CharField(max_length=80, unique=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label
