from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class ModerationAction(BaseModel):
    """A warning (strike), restriction, suspension or ban of one account.

    A restriction keeps the account from posting, commenting and chatting until ``ends_at``; it
    still signs in and reads. Lifecycle (transitions only in ``accounts.services.moderation``):
    active -> lifted (by a moderator, or by an accepted appeal). A suspension or restriction
    also ends by itself at ``ends_at``. The user's ``suspended_until``, ``restricted_until`` and
    ``banned_at`` always reflect
    the actions that are still in force.
    """

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        RESTRICTION = "restriction", "Restriction"
        SUSPENSION = "suspension", "Suspension"
        BAN = "ban", "Ban"
        # Records of a decision about one piece of content (no effect on standing, not a strike),
        # kept so that the author can appeal it like any other action.
        CONTENT_REMOVED = "content_removed", "Content removed"
        MARKED_SENSITIVE = "marked_sensitive", "Marked sensitive"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_actions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    reason = models.TextField()
    # What the action is about (a post, a comment, a stream...), with a snapshot that outlives it.
    reference_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    reference_id = models.CharField(max_length=64, blank=True)
    reference_label = models.CharField(max_length=200, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="moderation_actions_taken"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta(BaseModel.Meta):
        permissions = [
            ("moderate_users", "Can warn, suspend and ban users"),
            ("review_appeals", "Can accept or reject appeals"),
            ("change_roles", "Can grant and revoke roles"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_modaction_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["suspension", "restriction"]) | Q(ends_at__isnull=False),
                name="accounts_suspension_has_end",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["suspension", "restriction"]) | Q(ends_at__isnull=True),
                name="accounts_only_suspensions_end",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""), name="accounts_lift_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {str(self.id)[-8:]}"

    @property
    def is_lifted(self) -> bool:
        return self.lifted_at is not None


class Appeal(BaseModel):
    """The target's one appeal against one action: pending -> accepted (lifts it) | rejected."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    action = models.OneToOneField(ModerationAction, on_delete=models.CASCADE, related_name="appeal")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals")
    message = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["status", "created_at"], name="accounts_appeal_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="accounts_appeal_decision_complete",
            ),
        ]


class AuditLogEntry(BaseModel):
    """Who did what, to whom, when and why. Append-only: the database refuses UPDATE and DELETE."""

    class Action(models.TextChoices):
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_REVOKED = "role_revoked", "Role revoked"
        WARNING_ISSUED = "warning_issued", "Warning issued"
        SUSPENDED = "suspended", "Suspended"
        BANNED = "banned", "Banned"
        RESTRICTED = "restricted", "Restricted"
        CONTENT_ACTION = "content_action", "Content removed or marked sensitive"
        ACTION_LIFTED = "action_lifted", "Action lifted"
        APPEAL_SUBMITTED = "appeal_submitted", "Appeal submitted"
        APPEAL_ACCEPTED = "appeal_accepted", "Appeal accepted"
        APPEAL_REJECTED = "appeal_rejected", "Appeal rejected"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="audit_entries_made"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name_plural = "audit log entries"
        indexes = [models.Index(fields=["target_user", "-created_at"], name="accounts_audit_target_idx")]
