"""Abstract base models every Fanfare table builds on.

- :class:`BaseModel`: UUIDv7 primary key, ``created_at``, ``updated_at``, ``extra_metadata``.
- :class:`SoftDeleteModel`: adds ``deleted_at``. ``objects`` hides deleted rows,
  ``all_objects`` shows them. ``soft_delete()`` and ``restore()`` flip the flag;
  ``delete()`` on an instance or a queryset soft-deletes too, so removing a row for good
  takes an explicit ``hard_delete()``.
- :class:`PartitionedModel`: an append-only row in a table range-partitioned by
  ``created_at`` (django-postgres-extra). Its primary key is ``(id, created_at)``; rows that
  refer to it store that pair as plain columns, because Django cannot point a foreign key
  at a composite key.
"""

from __future__ import annotations

from django.db import models
from django.db.models import CompositePrimaryKey
from django.utils import timezone
from psqlextra.models import PostgresPartitionedModel
from psqlextra.models.partitioned import PostgresPartitionedModelMeta
from psqlextra.types import PostgresPartitioningMethod

from core.ids import uuid7


class BaseModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    extra_metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        get_latest_by = "created_at"


class SoftDeleteQuerySet(models.QuerySet):
    def delete(self):  # type: ignore[override]
        """Soft-delete every row in the queryset. Returns the number of rows marked."""
        return self.filter(deleted_at__isnull=True).update(deleted_at=timezone.now(), updated_at=timezone.now())

    delete.queryset_only = True  # type: ignore[attr-defined]

    def hard_delete(self):
        """Delete the rows for good (cascading as the foreign keys say)."""
        return super().delete()

    def restore(self):
        return self.filter(deleted_at__isnull=False).update(deleted_at=None, updated_at=timezone.now())

    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def dead(self):
        return self.filter(deleted_at__isnull=False)


class SoftDeleteManager(models.Manager.from_queryset(SoftDeleteQuerySet)):  # type: ignore[misc]
    """The default manager: rows that are soft-deleted are not there."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


AllObjectsManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteModel(BaseModel):
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    objects = SoftDeleteManager()
    all_objects = AllObjectsManager()

    class Meta(BaseModel.Meta):
        abstract = True
        # Related-object access (``comment.post``) reaches a parent even after it was soft-deleted.
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self) -> None:
        if self.deleted_at is None:
            self.deleted_at = timezone.now()
            self.save(update_fields=["deleted_at", "updated_at"])

    def restore(self) -> None:
        if self.deleted_at is not None:
            self.deleted_at = None
            self.save(update_fields=["deleted_at", "updated_at"])

    def delete(self, using=None, keep_parents=False):  # type: ignore[override]
        """Soft delete. Use :meth:`hard_delete` to remove the row for good."""
        self.soft_delete()
        return (0, {})

    def hard_delete(self, using=None, keep_parents=False):
        return super().delete(using=using, keep_parents=keep_parents)


class _PartitionedModelMeta(PostgresPartitionedModelMeta):
    """Gives every concrete partitioned model range partitioning on ``created_at`` and the
    primary key ``(id, created_at)``.

    psqlextra's metaclass reads ``PartitioningMeta`` and the primary key only from the class's
    own attributes; inherited ones would be missed (an empty key, an integer ``id``).
    """

    def __new__(cls, name, bases, attrs, **kwargs):
        # Also on the abstract base: without a composite key there, psqlextra marks its `id`
        # as the primary key, and every subclass would inherit two primary keys.
        attrs.setdefault("pk", CompositePrimaryKey("id", "created_at"))
        if not getattr(attrs.get("Meta"), "abstract", False):
            attrs.setdefault("PartitioningMeta", _RangeByCreatedAt)
        return super().__new__(cls, name, bases, attrs, **kwargs)


class _RangeByCreatedAt:
    method = PostgresPartitioningMethod.RANGE
    key = ["created_at"]


class PartitionedModel(PostgresPartitionedModel, metaclass=_PartitionedModelMeta):
    """An append-only, high-volume row, range-partitioned by ``created_at``."""

    id = models.UUIDField(default=uuid7, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    extra_metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        get_latest_by = "created_at"


# --- Background work: the task outbox, process heartbeats, periodic jobs (core.outbox) -----------


class OutboxTask(BaseModel):
    """A task enqueued by a service, written in the same transaction as the data it is about.

    Its id is the Celery task id. Transitions (made only by ``core.outbox``)::

        queued -> running -> (row deleted: the task finished)
                          -> failed             (the task raised, or it was sent TASKS_MAX_ATTEMPTS times)
        running -> queued                       (its worker died, or the task asked to retry)

    ``published_at`` is null until the broker took the message; ``worker`` is the boot id of the
    worker process running it (``WorkerHeartbeat.boot``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FAILED = "failed", "Failed"

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    worker = models.UUIDField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["status", "created_at"], name="core_outbox_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "failed"]), name="core_outboxtask_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.id} ({self.status})"


class WorkerHeartbeat(BaseModel):
    """The last sign of life of one worker or beat process (one row per process start: ``boot``)."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Worker"
        BEAT = "beat", "Scheduler"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    boot = models.UUIDField(unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField()

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["kind", "-seen_at"], name="core_heartbeat_kind_seen")]

    def __str__(self) -> str:
        return f"{self.kind} {self.hostname} pid {self.pid}"


class PeriodicJob(BaseModel):
    """One entry of ``CELERY_BEAT_SCHEDULE`` and its last run: sent by beat (``last_sent_at`` is the
    schedule's own last-run time, read back when beat starts), then started and finished by a worker."""

    name = models.CharField(max_length=200, unique=True)
    task = models.CharField(max_length=200)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.UUIDField(null=True, blank=True, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return self.name
