from django.conf import settings
from django.db import models

from core.models import BaseModel


class DataExport(BaseModel):
    """One archive of a user's data, built in the background and downloaded through a signed link.

    Status transitions (made only by ``accounts.services.export``)::

        requested -> building -> ready -> expired   (the file is deleted when the link expires)
                              -> failed
        building  -> building          (a worker died mid-way; the task is retried and rebuilds)

    ``file`` is set once the status is ``ready``; ``expires_at`` is when the download link and
    the file stop being served.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_export_user_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "building", "ready", "failed", "expired"]),
                name="accounts_dataexport_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | (~models.Q(file="") & models.Q(expires_at__isnull=False)),
                name="accounts_dataexport_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"
