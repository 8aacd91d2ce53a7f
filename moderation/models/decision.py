"""What a moderator decided about a case, and whether it was reversed."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel
from moderation.models.case import Case
from moderation.models.rule import Rule
from moderation.models.targets import Action, TargetType

_TITLES = {
    Action.DISMISS: "A report about your {thing} was dismissed",
    Action.REMOVE: "A moderator removed your {thing}",
    Action.MARK_SENSITIVE: "A moderator marked your {thing} as sensitive",
    Action.WARN: "A moderator warned you",
    Action.RESTRICT: "Your account may not post, comment or chat for a while",
    Action.SUSPEND: "Your account is suspended",
    Action.BAN: "Your account is banned",
}


class Decision(BaseModel):
    """One action on a case. ``account_action`` is the accounts record it made (a warning,
    restriction, suspension, ban, or the strike-free record of a removal or a sensitive mark),
    which the user appeals through accounts' appeals. Reversal (by a moderator, or by an
    accepted appeal) undoes the action: active -> reversed, once."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=20, choices=Action.choices)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.CharField(max_length=64)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    hide_chat = models.BooleanField(default=False)
    notify_user = models.BooleanField(default=True)
    account_action = models.OneToOneField(
        "accounts.ModerationAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="decision"
    )
    effects = models.JSONField(default=dict, blank=True, help_text="What the action did in each domain.")
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverse_reason = models.TextField(blank=True, default="")
    # When what a suspension held was released: on reversal, or when it ran out (the beat task).
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_target_type_display().lower()})"

    @property
    def title(self) -> str:
        """How the actioned user's notification names it."""
        thing = self.get_target_type_display().lower()
        if self.reversed_at is not None:
            return f"A moderator reversed an earlier decision ({self.get_action_display().lower()}) about your {thing}"
        return _TITLES[self.action].format(thing=thing)
