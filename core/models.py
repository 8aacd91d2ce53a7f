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


class UnsentTask(BaseModel):
    """A Celery task whose message the broker did not take (it was down): kept here, sent again.

    ``core.side_effects.enqueue_task`` writes one when publishing fails, so the request that
    enqueued it still succeeds and the task is not lost; ``core.unsent_tasks_resend`` (beat, every
    minute, and ``manage.py tasks_resend``) publishes them again, oldest first, and deletes each
    one the broker took. Tasks are idempotent (STYLE.md), so a task sent twice around a crash is
    harmless.
    """

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.attempts} attempts)"
