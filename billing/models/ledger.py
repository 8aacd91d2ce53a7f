"""The ledger: double entry, append-only, partitioned by month (docs/billing.md, MONEY.md).

- :class:`LedgerAccount` is a named bucket in one currency (``platform:stripe_balance``,
  ``creator:<id>:pending`` ...), with a running ``balance`` kept in the same transaction as
  the lines that move it (under a row lock), so a hot balance is one row read.
- :class:`JournalEntry` records one financial event (the seed's Transaction): its kind, its
  source (a Stripe object or event id, a payout id ...), the payment it belongs to, and the
  entry it reverses, if any.
- :class:`JournalLine` is one signed amount on one account, in minor units. Debit is positive.

The database enforces the rules, not only the code:

- UPDATE, DELETE and TRUNCATE on entries, lines and keys are refused (django-pgtrigger's
  Protect; TRUNCATE by a statement-level trigger). A statement-level trigger on a partitioned
  table is not copied to its partitions, so every partition gets its own
  (``billing.partitioning.partitions_guard``, run by the migration and whenever
  ``pgpartition`` creates a partition). The test suite's flush truncates under
  ``pgtrigger.ignore`` (tests/conftest.py).
- The lines of an entry sum to zero per currency, and an entry has at least two lines: a
  deferred constraint trigger checks it when the transaction commits.
- Idempotency keys are unique: :class:`JournalKey`, an ordinary table, because a unique
  constraint on a partitioned table must include the partition key (``created_at``).

Entries and lines are range-partitioned by ``created_at`` (a partition a month, created ahead
by ``manage.py pgpartition``); a line has the ``created_at`` of its entry. Partitioned rows
cannot be the target of a foreign key, so a line names its entry by ``entry_id`` (a plain
column, indexed) and the key table names its entry the same way.
"""

from __future__ import annotations

import pgtrigger
from django.db import models

from core.models import BaseModel, PartitionedModel


def _no_truncate(name: str) -> pgtrigger.Trigger:
    """TRUNCATE refused (pgtrigger's Protect covers UPDATE and DELETE, row by row; TRUNCATE fires
    statement-level triggers only)."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        func="RAISE EXCEPTION 'pgtrigger: Cannot truncate rows from % table', TG_TABLE_NAME;",
    )


# Balanced per currency, checked at commit: one query per inserted line, on the entry's lines only.
_LINES_BALANCE_CHECK = """
DECLARE
    unbalanced RECORD;
BEGIN
    SELECT currency, SUM(amount) AS total INTO unbalanced
    FROM billing_journalline
    WHERE entry_id = NEW.entry_id AND created_at = NEW.created_at
    GROUP BY currency
    HAVING SUM(amount) <> 0
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced: % in %', NEW.entry_id, unbalanced.total, unbalanced.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
"""

_ENTRY_HAS_LINES_CHECK = """
BEGIN
    IF (SELECT COUNT(*) FROM billing_journalline WHERE entry_id = NEW.id AND created_at = NEW.created_at) < 2 THEN
        RAISE EXCEPTION 'ledger entry % has fewer than two lines', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
"""


class LedgerAccount(BaseModel):
    """A named bucket of money in one currency. ``balance`` is the sum of its lines (debit +).

    Created on first use by ``billing.services.ledger``; ``balance`` changes only there, by an
    UPDATE adding each line under ``select_for_update``. ``manage.py ledger_balances_check`` recomputes it.
    """

    name = models.CharField(max_length=120, help_text="e.g. platform:stripe_balance, creator:<id>:pending")
    currency = models.CharField(max_length=3, help_text="ISO 4217, lower case as Stripe writes it.")
    balance = models.BigIntegerField(default=0, help_text="Minor units; debit positive.")

    class Meta(BaseModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["name", "currency"], name="billing_account_name_currency"),
            models.CheckConstraint(condition=models.Q(currency__regex=r"^[a-z]{3}$"), name="billing_account_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency.upper()})"


class JournalEntry(PartitionedModel):
    """One financial event, with two or more lines summing to zero per currency. Never changed."""

    class Kind(models.TextChoices):
        PAYMENT_CAPTURED = "payment_captured", "Payment captured"
        REFUND = "refund", "Refund"
        DISPUTE_OPENED = "dispute_opened", "Dispute opened"
        DISPUTE_WON = "dispute_won", "Dispute won"
        DISPUTE_LOST = "dispute_lost", "Dispute lost"
        HOLD_RELEASED = "hold_released", "Hold period over"
        MODERATION_HOLD = "moderation_hold", "Moderation hold"
        MODERATION_RELEASE = "moderation_release", "Moderation hold lifted"
        PAYOUT = "payout", "Payout"
        TRANSFER = "transfer", "Transfer"
        AD_SPEND = "ad_spend", "Ad spend"
        ADJUSTMENT = "adjustment", "Adjustment"
        REVERSAL = "reversal", "Reversal"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=200)
    source = models.CharField(max_length=200, blank=True, default="", help_text="Stripe object or event id ...")
    payment_id = models.UUIDField(null=True, blank=True, help_text="The billing Payment this entry belongs to.")
    reverses_id = models.UUIDField(null=True, blank=True, help_text="The entry this one reverses.")
    memo = models.CharField(max_length=500, blank=True, default="")

    class Meta(PartitionedModel.Meta):
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["payment_id", "created_at"], name="billing_entry_payment"),
            models.Index(fields=["idempotency_key"], name="billing_entry_key"),
            models.Index(fields=["reverses_id"], name="billing_entry_reverses"),
        ]
        triggers = [
            pgtrigger.Protect(name="billing_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            _no_truncate("billing_entry_no_truncate"),
            pgtrigger.Trigger(
                name="billing_entry_has_lines",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=_ENTRY_HAS_LINES_CHECK,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.idempotency_key}"


class JournalLine(PartitionedModel):
    """One signed amount (minor units, debit +) on one account. ``created_at`` is its entry's."""

    entry_id = models.UUIDField(db_index=True)
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta(PartitionedModel.Meta):
        indexes = [models.Index(fields=["account", "created_at"], name="billing_line_account")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="billing_line_not_zero")]
        triggers = [
            pgtrigger.Protect(name="billing_line_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            _no_truncate("billing_line_no_truncate"),
            pgtrigger.Trigger(
                name="billing_line_balanced",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=_LINES_BALANCE_CHECK,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.currency.upper()}"


class JournalKey(models.Model):
    """The unique idempotency key of each entry (partitioned tables cannot hold the unique index)."""

    key = models.CharField(max_length=200, primary_key=True)
    entry_id = models.UUIDField()
    entry_created_at = models.DateTimeField()

    class Meta:
        triggers = [
            pgtrigger.Protect(name="billing_key_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            _no_truncate("billing_key_no_truncate"),
        ]

    def __str__(self) -> str:
        return self.key
