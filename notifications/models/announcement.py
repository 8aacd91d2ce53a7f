"""A system announcement sent by staff to a role or to everyone."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel


class Announcement(BaseModel):
    """Delivered in batches by a task; each batch commits its notifications with its progress.

    Transitions: pending -> sending (first batch) -> done (no recipient left). A batch resumes
    after ``last_user_id``, so running the task twice notifies nobody twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DONE = "done", "Done"

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.URLField(blank=True)
    # A role name (accounts.roles.Role), or blank for everyone.
    role = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    last_user_id = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "done"]), name="announcement_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> float:
        return 1.0 if not self.total else round(self.sent_count / self.total, 4)
