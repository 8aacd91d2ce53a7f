"""Stripe webhooks: acknowledging deliveries, processing them in a task, retries, the endpoint.

A delivery (``POST /stripe/webhook/<uuid>/``, dj-stripe's view) goes through two steps:

1. **Accept** (on the request, ``billing.webhook_view``): the delivery's signature is verified on
   the raw body (dj-stripe's ``validate``; 400 and an invalid row otherwise), then in one
   transaction it is stored as dj-stripe's ``WebhookEventTrigger`` (one INSERT, with its validity)
   and :func:`webhook_event_accept` queues the processing task through the outbox; then the view
   answers 200. Nothing else happens on the request.
2. **Process** (``billing.webhook_events_process``, :func:`webhook_events_process`): takes the
   stored deliveries not processed yet (row locks, ``SKIP LOCKED``, oldest first, a batch at a
   time), stores the batch's new events as dj-stripe's ``Event`` rows in one statement (unique by
   event id, so a replay does nothing) and sends dj-stripe's signals for each, and so Fanfare's
   receivers (what ``WebhookEventTrigger.process`` does one by one). The receivers only note which
   PaymentIntent each event is about; each noted payment is then synced once (``payment_sync``,
   from Stripe's current state, which is what makes the order of arrival irrelevant) after
   dj-stripe's mirror of what that read holds is written in bulk (``mirror_write``), its ledger
   entries written together at the end (``ledger.postings_batched``), all in the batch's
   transaction; an event created
   before its payment's last such read (``Payment.stripe_read_at``, less a margin for the clocks)
   is only logged, that read having seen what it announces. When a batch
   fails it is rolled back and its deliveries are processed one by one, each in its own
   transaction, so one bad delivery keeps its exception and the rest go through. Failed ones
   are processed again by the beat task ``billing.webhook_events_retry`` and by
   ``manage.py billing_events_retry`` (and from the admin's webhook log).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from djstripe.models import WebhookEndpoint, WebhookEventTrigger
from djstripe.settings import djstripe_settings

from billing.models import BillingCustomer, Payment
from billing.services import ledger
from billing.services.payments import (
    StripeState,
    payment_sync,
    payments_from_metadata,
    stripe_state_fetch,
    syncs_prefetched,
)
from billing.stripe_api import calling_stripe, client

logger = logging.getLogger(__name__)

# Event types Fanfare acts on (the endpoint is registered for these).
PAYMENT_EVENTS = [
    "payment_intent.created",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.canceled",
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "charge.refund.updated",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
]
CUSTOMER_EVENTS = ["payment_method.attached", "payment_method.detached", "customer.updated"]
# Memberships (billing.services.memberships); product and price events keep dj-stripe's mirror.
SUBSCRIPTION_EVENTS = [
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
]
INVOICE_EVENTS = ["invoice.paid", "invoice.payment_failed"]
CATALOGUE_EVENTS = ["product.created", "product.updated", "price.created", "price.updated"]
# Connect: creators' Express accounts and the transfers that pay them (billing.services.payouts).
CONNECT_EVENTS = ["account.updated", "transfer.created", "transfer.updated", "transfer.reversed"]
REFUND_EVENTS = ["refund.created", "refund.updated"]
ENABLED_EVENTS = [
    *PAYMENT_EVENTS,
    *REFUND_EVENTS,
    *CUSTOMER_EVENTS,
    *SUBSCRIPTION_EVENTS,
    *INVOICE_EVENTS,
    *CATALOGUE_EVENTS,
    *CONNECT_EVENTS,
]


# Deliveries processed in one transaction by the processing task.
BATCH_SIZE = 50
PROCESS_TASK = "billing.webhook_events_process"
# Stripe's current state of a batch's payments is read with this many requests at once (the reads
# are network waits; the database work after them is one thread's).
READ_THREADS = 8
# An event created at least this long before a payment's last full read began (Stripe's clock for
# the event, this server's for the read) announces nothing that read did not see: it is logged
# (dj-stripe's Event row) and not read or synced again. The margin covers the two clocks' skew.
READ_COVERS_MARGIN_SECONDS = 5


@dataclass
class _Batch:
    """What a batch read of Stripe once: each payment's current state, and those objects by id."""

    states: dict[str, StripeState] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    intents: set[str] = field(default_factory=set)  # noted by the events, synced at the end
    covered: set[str] = field(default_factory=set)  # events older than their payment's last full read
    read_at: Any = None  # when this batch's read of Stripe began (this server's clock)
    owner_accounts: dict[str, Any] = field(default_factory=dict)  # dj-stripe's account per API key
    api_keys: dict[tuple[Any, Any], str] = field(default_factory=dict)  # the key per owner account, mode
    related: dict[tuple[Any, str], Any] = field(default_factory=dict)  # dj-stripe's rows (model, id) a sync refers to


# The batch being processed (None outside one).
_BATCH: ContextVar[_Batch | None] = ContextVar("billing_webhook_batch", default=None)
_read_pool: ThreadPoolExecutor | None = None


def _intent_of(obj: dict[str, Any]) -> str:
    """The PaymentIntent an event's object belongs to ("" for none)."""
    intent_id = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    return intent_id or ""


def _states_read(intent_ids: list[str]) -> dict[str, StripeState]:
    """Stripe's current state of each PaymentIntent, read once each, several at a time."""
    global _read_pool  # one pool per process: its threads keep their HTTP connections
    if len(intent_ids) <= 1:
        return {intent_id: stripe_state_fetch(payment_intent_id=intent_id) for intent_id in intent_ids}
    if _read_pool is None:
        _read_pool = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="stripe-read")
    futures = {
        intent_id: _read_pool.submit(contextvars.copy_context().run, stripe_state_fetch, payment_intent_id=intent_id)
        for intent_id in intent_ids
    }
    return {intent_id: future.result() for intent_id, future in futures.items()}


def _covered_events(events: list[dict[str, Any]], payments: list[Payment]) -> set[str]:
    """The events created (Stripe's clock) at least ``READ_COVERS_MARGIN_SECONDS`` before the last
    full read of their payment began: that read, already applied, saw what they announce."""
    read_at = {payment.stripe_payment_intent_id: payment.stripe_read_at for payment in payments}
    covered = set()
    for event in events:
        last_read = read_at.get(_intent_of((event.get("data") or {}).get("object") or {}))
        created = event.get("created")
        if (
            last_read is not None
            and isinstance(created, int)
            and event.get("id")
            and created < last_read.timestamp() - READ_COVERS_MARGIN_SECONDS
        ):
            covered.add(event["id"])
    return covered


@contextmanager
def _batch_of(events: list[dict[str, Any]]) -> Iterator[_Batch]:
    """Within: events about payments use one read of Stripe's current state per payment (made here,
    after the payments' rows are locked, so no other sync can commit between the read and its use);
    at the end each noted payment is synced once from it, in the caller's transaction, and dj-stripe's
    mirror of every object the read holds is synced from it. An event older than its payment's last
    full read (``_covered_events``) needs no read: it is only logged."""
    payment_events = [event for event in events if _is_payment_event(event)]
    intent_ids = sorted({_intent_of((event.get("data") or {}).get("object") or {}) for event in payment_events} - {""})
    # Lock the payments first (in id order, as any other path locks one), then read Stripe.
    payments = list(Payment.objects.select_for_update().filter(stripe_payment_intent_id__in=intent_ids).order_by("id"))
    covered = _covered_events(payment_events, payments)
    to_read = sorted(
        {
            _intent_of((event.get("data") or {}).get("object") or {})
            for event in payment_events
            if event.get("id") not in covered
        }
        - {""}
    )
    read_at = timezone.now()
    batch = _Batch(states=_states_read(to_read), covered=covered, read_at=read_at)
    for state in batch.states.values():
        for obj in (state.intent, state.charge, *state.refunds, *state.disputes):
            if obj is not None:
                batch.objects[obj.id] = obj
    token = _BATCH.set(batch)
    try:
        yield batch
        # The mirror of the rest of the read's objects (the events named some of them) first, then
        # the payments: the ledger's accounts, locked by the first entry posted, are held until the
        # batch commits, so the batch's other work is done before.
        states = [batch.states[intent_id] for intent_id in sorted(batch.intents) if intent_id in batch.states]
        mirror_write(
            intents=[state.intent for state in states],
            charges=[state.charge for state in states if state.charge is not None],
        )
        for state in states:
            for dispute in state.disputes:
                _dispute_mirror(dispute, api_key=_api_key_for(livemode=dispute.livemode))
        # The payments' rows: locked above, before the read; the missing ones made from the intents'
        # metadata and locked, in bulk. Their refund rows and entry keys read in bulk too.
        locked = {payment.stripe_payment_intent_id: payment for payment in payments}
        made = payments_from_metadata([state.intent for state in states if state.intent.id not in locked])
        with ledger.postings_batched(), syncs_prefetched(states):
            # the batch's entries written, and balances moved, once at the end
            for intent_id in sorted(batch.intents):
                state = batch.states.get(intent_id)
                payment_sync(
                    payment_intent_id=intent_id,
                    state=state,
                    read_at=read_at if state is not None else None,
                    savepoint=False,  # the batch rolls back whole when any of it fails
                    payment=locked.get(intent_id) or made.get(intent_id),
                    new=intent_id in made,
                )
    finally:
        _BATCH.reset(token)


def _is_payment_event(event: dict[str, Any]) -> bool:
    return event.get("type") in PAYMENT_EVENTS or event.get("type") in REFUND_EVENTS


def payment_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """Any event about a payment: sync the payment it belongs to from Stripe's current state
    (in a batch, once per payment at the end of the batch, in the same transaction)."""
    intent_id = _intent_of(obj)
    if not intent_id:
        logger.info("stripe event %s about %s has no payment intent; ignored", event_type, obj.get("id"))
        return
    batch = _BATCH.get()
    if batch is not None:
        batch.intents.add(intent_id)
        return
    payment_sync(payment_intent_id=intent_id)


def event_covered(*, event_id: str) -> bool:
    """The event is older than its payment's last full read (in a batch): nothing to do but log it."""
    batch = _BATCH.get()
    return batch is not None and event_id in batch.covered


def event_api_key(event: Any) -> str:
    """dj-stripe's API key for an event's objects (``event.default_api_key``: a query for its owner
    account's key, on every event), looked up once per owner account and mode in a batch."""
    batch = _BATCH.get()
    if batch is None:
        return event.default_api_key
    key = (event.djstripe_owner_account_id, event.livemode)
    if key not in batch.api_keys:
        batch.api_keys[key] = event.default_api_key
    return batch.api_keys[key]


def owner_account_for_api_key(api_key: str, retrieve: Any) -> Any:
    """dj-stripe's owner account for ``api_key`` (``retrieve(api_key)``, its look-up: a savepoint
    and two queries, on every object it syncs), looked up once per batch; the batch's transaction
    holds it."""
    batch = _BATCH.get()
    if batch is None:
        return retrieve(api_key)
    if api_key not in batch.owner_accounts:
        batch.owner_accounts[api_key] = retrieve(api_key)
    return batch.owner_accounts[api_key]


def mirror_sync_from_batch(*, obj: dict[str, Any], api_key: str) -> bool:
    """dj-stripe's mirror of ``obj`` (a PaymentIntent, Charge or Dispute named by an event) is synced
    from the batch's read of Stripe's current state at the end of the batch (with every other object
    that read holds: ``mirror_write``), as dj-stripe's own handler syncs it from a re-fetch of its own.
    False when the batch holds no current copy of it (outside a batch, or a charge that is not its
    intent's latest): the caller then lets dj-stripe re-fetch it."""
    batch = _BATCH.get()
    return batch is not None and obj.get("id") in batch.objects


def related_get_or_create(cls: Any, data: dict[str, Any], field_name: str, get_or_create: Any) -> tuple[Any, bool]:
    """dj-stripe's look-up (or creation) of the row a synced object's foreign key ``field_name`` refers
    to (``get_or_create()``: a query, and a savepoint and an insert when missing, for every foreign key
    of every object it syncs), answered within a batch from the rows the batch read in bulk or made
    (``mirror_write``): the batch's transaction holds them. Outside a batch, and for the object itself
    (``field_name`` "id"), dj-stripe's own."""
    from djstripe.utils import get_id_from_stripe_data

    batch = _BATCH.get()
    if batch is None or field_name == "id":
        return get_or_create()
    key = (cls, get_id_from_stripe_data(data.get(field_name)))
    if key in batch.related:
        return batch.related[key], False
    instance, created = get_or_create()
    if instance is not None:
        batch.related[key] = instance
    return instance, created


def _related_prefetch(model: Any, datas: list[dict[str, Any]], batch: _Batch, *, api_key: str) -> None:
    """The rows ``datas`` (objects of ``model``) refer to, read in one query per related model; those
    missing that ``datas`` hold in full (an expanded balance transaction or payment method) written in
    one statement per model, as dj-stripe would make them one by one (``mirror_write``)."""
    from django.db.models import ForeignKey
    from djstripe.models.base import StripeModel
    from djstripe.utils import get_id_from_stripe_data

    for model_field in model._meta.concrete_fields:
        related = model_field.related_model
        if (
            not isinstance(model_field, ForeignKey)
            or model_field.name.startswith("djstripe_")
            or not (isinstance(related, type) and issubclass(related, StripeModel))
        ):
            continue
        wanted = {get_id_from_stripe_data(data.get(model_field.name)) for data in datas if data.get(model_field.name)}
        wanted = {id_ for id_ in wanted if id_ and (related, id_) not in batch.related}
        if not wanted:
            continue
        for row in related.stripe_objects.filter(id__in=wanted):
            batch.related[(related, row.id)] = row
        full = {}
        for data in datas:
            value = data.get(model_field.name)
            if isinstance(value, dict) and value.get("id") and (related, value["id"]) not in batch.related:
                full[value["id"]] = value
        if full:
            _rows_write(related, list(full.values()), batch, api_key=api_key, update=False)


def mirror_write(*, intents: list[Any], charges: list[Any]) -> None:
    """dj-stripe's mirror of a batch's PaymentIntents and Charges, from the batch's read of Stripe: the
    column values of each computed by dj-stripe's own mapping (``_stripe_object_to_record``, its hooks),
    the rows written with one ``INSERT ... ON CONFLICT DO UPDATE`` per model (the columns that mapping
    sets, as dj-stripe's ``sync_from_stripe_data`` updates them); the rows they refer to read in one
    query per model and the missing ones written in bulk too. The same rows as dj-stripe's per-object
    sync of the same objects would give, in a few statements instead of about ten per object."""
    from djstripe.models import Charge, PaymentIntent

    batch = _BATCH.get()
    assert batch is not None
    for model, objects in ((PaymentIntent, intents), (Charge, charges)):
        by_mode: dict[bool, list[dict[str, Any]]] = {}
        for obj in objects:
            by_mode.setdefault(bool(obj.livemode), []).append(_mirror_data(obj))
        for livemode, datas in by_mode.items():
            api_key = _api_key_for(livemode=livemode)
            _related_prefetch(model, datas, batch, api_key=api_key)
            _rows_write(model, datas, batch, api_key=api_key, update=True)


def _mirror_data(obj: Any) -> dict[str, Any]:
    """An object of the batch's read as dj-stripe's handler would hold it: retrieved with the model's
    ``expand_fields`` only (a PaymentIntent's latest charge and payment method by id: the read expands
    them; the payment method stays in full for its row, ``_rows_write`` stores the id)."""
    data = obj.to_dict()
    if data.get("object") == "payment_intent" and isinstance(data.get("latest_charge"), dict):
        data["latest_charge"] = data["latest_charge"]["id"]
    if data.get("object") == "charge":
        data.pop("refunds", None)  # expanded by the read; not in a charge dj-stripe retrieves
    return data


# Expanded by the batch's read, kept by id in the mirror's ``stripe_data`` (as dj-stripe retrieves them).
_STORED_BY_ID = {"payment_intent": ("payment_method",)}


def _rows_write(model: Any, datas: list[dict[str, Any]], batch: _Batch, *, api_key: str, update: bool) -> None:
    """Write dj-stripe's rows of ``datas`` (objects of ``model``, distinct ids): new ones inserted with
    every column, as dj-stripe creates them; existing ones, with ``update``, given the columns dj-stripe's
    mapping sets (else left as they are, as dj-stripe leaves an object a foreign key finds); in id order,
    in one statement per set of columns. The rows go into the batch's look-ups."""
    rows = []
    for data in sorted(datas, key=lambda data: data["id"]):
        record = model._stripe_object_to_record(data, current_ids={data["id"]}, pending_relations=[], api_key=api_key)
        by_id = {}
        for name in _STORED_BY_ID.get(data.get("object"), ()):
            if isinstance(data.get(name), dict):
                by_id[name] = data[name]["id"]
        if by_id:
            record["stripe_data"] = {**record["stripe_data"], **by_id}
        instance = model(**record)
        instance._attach_objects_hook(model, data, api_key=api_key, current_ids={data["id"]})
        rows.append((instance, data, frozenset(record)))
    groups: dict[frozenset, list[Any]] = {}
    for instance, _data, names in rows:
        groups.setdefault(names, []).append(instance)
    for names, instances in groups.items():
        written = _upsert(model, instances, update_names=names if update else None)
        for instance in instances:
            if instance.id in written:
                instance.pk = written[instance.id]
                instance._state.adding = False
                batch.related[(model, instance.id)] = instance
    missing = [instance.id for instance, _data, _names in rows if (model, instance.id) not in batch.related]
    if missing:  # inserted by another transaction meanwhile (left as it is): the row it wrote
        for row in model.stripe_objects.filter(id__in=missing):
            batch.related[(model, row.id)] = row
    for instance, data, _names in rows:
        if instance.pk is not None:
            instance._attach_objects_post_save_hook(model, data, api_key=api_key, pending_relations=[])


def _upsert(model: Any, instances: list[Any], *, update_names: frozenset | None) -> dict[str, Any]:
    """``INSERT ... ON CONFLICT (id) DO UPDATE`` (the fields ``update_names``, and the update time) or
    ``DO NOTHING``; the primary key of each row written, by Stripe id."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = []
    for instance in instances:
        values.append([f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(instances))
    if update_names is None:
        conflict = "DO NOTHING"
    else:
        updated = [
            f
            for f in fields
            if (f.name in update_names or f.attname in update_names or f.name == "djstripe_updated")
            and f.name not in {"id", "djstripe_created"}
        ]
        conflict = "DO UPDATE SET " + ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in updated)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {placeholders} "  # noqa: S608 (a model's table and columns; values are parameters)
        f"ON CONFLICT ({quote(meta.get_field('id').column)}) {conflict} "
        f"RETURNING {quote(meta.pk.column)}, {quote(meta.get_field('id').column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in values for value in row])
        return {stripe_id: pk for pk, stripe_id in cursor.fetchall()}


def _dispute_mirror(dispute: Any, *, api_key: str) -> None:
    """dj-stripe's mirror of a dispute the batch read, after its charge and intent (``mirror_write``:
    its foreign keys find them in the batch, or dj-stripe would fetch them from Stripe)."""
    from djstripe.models import Dispute

    Dispute.sync_from_stripe_data(dispute.to_dict(), api_key=api_key)


def connect_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """A Connect account or a transfer changed: read its current state from Stripe and apply it."""
    from billing.services.connect import connect_account_sync
    from billing.services.payouts import transfer_sync

    if event_type == "account.updated" and obj.get("id"):
        connect_account_sync(stripe_account_id=obj["id"])
    elif event_type.startswith("transfer.") and obj.get("id"):
        transfer_sync(transfer_id=obj["id"])


def customer_event_handle(*, event_type: str, obj: dict[str, Any]) -> None:
    """Keep the customer's default card in step with Stripe."""
    if event_type == "customer.updated":
        default = ((obj.get("invoice_settings") or {}).get("default_payment_method")) or ""
        BillingCustomer.objects.filter(stripe_customer_id=obj.get("id")).update(default_payment_method_id=default)
    elif event_type == "payment_method.detached":
        BillingCustomer.objects.filter(default_payment_method_id=obj.get("id")).update(default_payment_method_id="")


@dataclass(frozen=True)
class RetryResult:
    trigger_id: int
    processed: bool
    error: str


def webhook_event_accept(trigger: WebhookEventTrigger) -> None:
    """A delivery whose signature was verified, just stored with ``valid=True`` (``billing.webhook_view``,
    in its transaction): queue ``billing.webhook_events_process`` through the outbox, together.

    One queued task drains every stored delivery, so a delivery that finds that task still queued
    joins it rather than queueing another: it holds a share lock on the task's outbox row until it
    commits, and a worker marks the row running (an UPDATE, which waits for the lock) before the
    task reads the deliveries, so the task sees this one.
    """
    from billing.tasks import webhook_events_process_task
    from core.side_effects import enqueue_task

    if not trigger.valid or trigger.pk is None:
        raise ValueError("Only a stored delivery whose signature was verified is accepted.")
    if webhook_events_process_task.app.conf.task_always_eager or not _queued_task_joined():
        enqueue_task(webhook_events_process_task)


# The endpoint columns a delivery's acceptance depends on: the row it is stored against must still have
# the values it was verified with (``webhook_delivery_store``), or the endpoint changed since it was read.
_ENDPOINT_CHECKED = ("secret", "livemode", "djstripe_owner_account", "djstripe_tolerance", "djstripe_validation_method")


def webhook_delivery_store(trigger: WebhookEventTrigger, *, join: bool) -> tuple[int | None, bool]:
    """Store a delivery verified against ``trigger.webhook_endpoint`` (an in-process copy of the row,
    ``billing.webhook_view``) in one statement, in autocommit: (its id, True), or (None, False) when the
    endpoint row no longer holds the values it was verified with (changed or deleted since the copy
    was read: nothing stored; the caller reads the row again), or (None, True) when ``join`` and no
    processing task is queued to join (nothing stored; the caller stores it and queues one in a
    transaction, ``webhook_event_accept``).

    With ``join`` (a valid delivery) the statement also takes the share lock on the queued processing
    task's outbox row that ``webhook_event_accept`` takes, and stores the delivery only when it got
    it: the insert and the lock commit together, so the worker, which marks the row running before
    the task reads the deliveries, sees this one. One round trip instead of a transaction's four.
    """
    from core.models import OutboxTask

    endpoint = trigger.webhook_endpoint
    quote = connection.ops.quote_name
    endpoint_meta = WebhookEndpoint._meta
    checks = []
    params: list[Any] = [endpoint.pk, endpoint.djstripe_uuid]
    for name in _ENDPOINT_CHECKED:
        model_field = endpoint_meta.get_field(name)
        checks.append(f"{quote(model_field.column)} IS NOT DISTINCT FROM %s")
        params.append(model_field.get_db_prep_save(getattr(endpoint, model_field.attname), connection))
    meta = WebhookEventTrigger._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join("%s" for _ in fields)
    values = [f.get_db_prep_save(f.pre_save(trigger, True), connection) for f in fields]
    queued = "SELECT 1 AS one"
    where_queued = ""
    if join:
        queued = (
            f"SELECT 1 AS one FROM {quote(OutboxTask._meta.db_table)} WHERE task = %s AND status = %s "  # noqa: S608 (a model's table)
            "ORDER BY created_at LIMIT 1 FOR SHARE"
        )
        where_queued = " WHERE EXISTS (SELECT 1 FROM queued)"
    sql = (
        f"WITH endpoint AS (SELECT 1 AS one FROM {quote(endpoint_meta.db_table)} "  # noqa: S608 (models' tables and columns; values are parameters)
        f"WHERE {quote(endpoint_meta.pk.column)} = %s AND djstripe_uuid = %s AND {' AND '.join(checks)}), "
        f"queued AS ({queued}), "
        f"stored AS (INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {placeholders} FROM endpoint{where_queued} "
        f"RETURNING {quote(meta.pk.column)}) "
        "SELECT (SELECT * FROM stored), EXISTS (SELECT 1 FROM endpoint)"
    )
    if join:
        params += [PROCESS_TASK, OutboxTask.Status.QUEUED]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *values])
        stored_id, endpoint_same = cursor.fetchone()
    if stored_id is not None:
        trigger.pk = stored_id
        trigger._state.adding = False
    return stored_id, bool(endpoint_same)


def _queued_task_joined() -> bool:
    from core.models import OutboxTask

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {OutboxTask._meta.db_table} WHERE task = %s AND status = %s "  # noqa: S608 (a model's table)
            "ORDER BY created_at LIMIT 1 FOR SHARE",
            [PROCESS_TASK, OutboxTask.Status.QUEUED],
        )
        return cursor.fetchone() is not None


def webhook_events_pending():
    """Deliveries that passed the signature check and are not processed yet (failed or waiting)."""
    return WebhookEventTrigger.objects.filter(valid=True, processed=False).order_by("created", "id")


def webhook_events_failed():
    """Deliveries whose processing failed (they keep the exception)."""
    return webhook_events_pending().exclude(exception="")


def webhook_events_process(*, batch_size: int = BATCH_SIZE, limit: int = 100_000) -> dict[str, int]:
    """Process the stored deliveries not processed yet, oldest first, a batch per transaction,
    until none is left (or ``limit`` have been taken). Deliveries another process holds are
    skipped (it is processing them); failed ones are left to the retries."""
    counts = {"processed": 0, "failed": 0}
    while counts["processed"] + counts["failed"] < limit:
        taken, failed = _process_batch(batch_size)
        if not taken:
            break
        if not failed:
            counts["processed"] += len(taken)
            continue
        for result in _process_each(taken):  # the batch failed: one by one, each keeping its outcome
            counts["processed" if result.processed else "failed"] += 1
    return counts


def _process_batch(batch_size: int) -> tuple[list[int], bool]:
    """Take up to ``batch_size`` waiting deliveries no one else holds and process them in one
    transaction: (their ids, False); (their ids, True) and nothing written when any fails."""
    taken: list[int] = []
    try:
        with transaction.atomic():
            triggers = list(
                webhook_events_pending().filter(exception="").select_for_update(skip_locked=True)[:batch_size]
            )
            taken = [trigger.id for trigger in triggers]
            bodies = [trigger.json_body for trigger in triggers]
            events = _events_known(bodies)  # replays: dj-stripe's processing does nothing for them
            fresh = [body for body in bodies if body.get("id") not in events]
            with _batch_of(fresh):
                new = _events_insert(fresh)
                events.update(new)
                for event in new.values():  # in the order of delivery
                    event.invoke_webhook_handlers()
            raced = {body.get("id") for body in bodies} - events.keys()  # stored by another worker meanwhile
            events.update(_events_known([{"id": event_id} for event_id in raced]) if raced else {})
            _triggers_processed(
                {trigger.pk: events[body["id"]] for trigger, body in zip(triggers, bodies, strict=True)}
            )
    except Exception:  # noqa: BLE001 (processed again one by one, where each keeps its exception)
        logger.info("a batch of %d webhook deliveries failed; processing them one by one", len(taken))
        return taken, True
    return taken, False


def _triggers_processed(events: dict[int, Any]) -> None:
    """Mark the deliveries processed, each with its ``Event`` (as dj-stripe's ``process`` does), in one
    ``UPDATE ... FROM (VALUES ...)``."""
    if not events:
        return
    meta = WebhookEventTrigger._meta
    event_field = meta.get_field("event")
    quote = connection.ops.quote_name
    values = ", ".join(["(%s::bigint, %s)"] * len(events))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET processed = true, exception = '', traceback = '', "  # noqa: S608 (a model's table and column; values are parameters)
            f"updated = %s, {quote(event_field.column)} = v.event FROM (VALUES {values}) AS v(id, event) "
            f"WHERE t.{quote(meta.pk.column)} = v.id",
            [
                timezone.now(),
                *[
                    value
                    for pk, event in sorted(events.items())
                    for value in (pk, getattr(event, event_field.target_field.attname))
                ],
            ],
        )


def _seen(trigger: WebhookEventTrigger) -> bool:
    """The event was processed before (a replay): dj-stripe's processing does nothing for it."""
    return trigger.json_body.get("id") in _events_known([trigger.json_body])


def _events_known(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """dj-stripe's ``Event`` rows already stored for these deliveries' events, by event id."""
    from djstripe.models import Event

    ids = {body.get("id") for body in bodies} - {None}
    return {event.id: event for event in Event.objects.filter(id__in=ids)} if ids else {}


def _events_insert(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """dj-stripe's ``Event`` row of each new event (what its ``Event.process`` stores: its own mapping
    and hook), in one ``INSERT ... ON CONFLICT (id) DO NOTHING``: the events this call stored, by id, in
    the order of ``bodies`` (one stored by another transaction meanwhile is not: a replay, whose
    handlers ran there). A body that is no event fails the batch (each is then processed alone)."""
    from djstripe.models import Event

    batch = _BATCH.get()
    assert batch is not None
    order: dict[str, int] = {}
    rows = []
    for body in bodies:
        if body["id"] in order:
            continue  # delivered twice in one batch
        order[body["id"]] = len(order)
        api_key = _api_key_for(livemode=body.get("livemode", False))
        event = Event(**Event._stripe_object_to_record(body, api_key=api_key))
        event._attach_objects_hook(Event, body, api_key=api_key)
        rows.append(event)
    if not rows:
        return {}
    written = _upsert(Event, sorted(rows, key=lambda event: event.id), update_names=None)
    stored = {}
    for event in sorted(rows, key=lambda event: order[event.id]):
        if event.id in written:
            event.pk = written[event.id]
            event._state.adding = False
            stored[event.id] = event
    return stored


def _api_key(trigger: WebhookEventTrigger) -> str:
    return _api_key_for(livemode=trigger.json_body.get("livemode", False))


def _api_key_for(*, livemode: bool) -> str:
    return djstripe_settings.get_default_api_key(livemode=bool(livemode))


def _process_each(trigger_ids: list[int]) -> list[RetryResult]:
    results = []
    for trigger_id in trigger_ids:
        with transaction.atomic():
            trigger = (
                WebhookEventTrigger.objects.select_for_update(skip_locked=True)
                .filter(id=trigger_id, valid=True, processed=False)
                .first()
            )
            if trigger is None:  # processed meanwhile, or being processed elsewhere
                continue
            try:
                with transaction.atomic(), _batch_of([] if _seen(trigger) else [trigger.json_body]):
                    trigger.process(save=False, api_key=_api_key(trigger))
            except Exception as error:  # noqa: BLE001 (kept on the delivery, as dj-stripe does)
                WebhookEventTrigger.objects.filter(pk=trigger.pk).update(
                    processed=False, exception=str(error)[:128], traceback=_traceback(), updated=timezone.now()
                )
                results.append(RetryResult(trigger.id, False, str(error)))
                continue
            trigger.exception, trigger.traceback = "", ""
            trigger.save()
            results.append(RetryResult(trigger.id, True, ""))
    return results


def _traceback() -> str:
    import traceback

    return traceback.format_exc()


def webhook_events_retry(
    *, dry_run: bool = False, limit: int = 500, trigger_ids: list[int] | None = None
) -> list[RetryResult]:
    """Process again the deliveries not processed yet (failed ones, and any the task has not
    reached), oldest first, each in its own transaction."""
    triggers = webhook_events_pending()
    if trigger_ids is not None:
        triggers = triggers.filter(id__in=trigger_ids)
    ids = list(triggers.values_list("id", flat=True)[:limit])
    if dry_run:
        exceptions = dict(WebhookEventTrigger.objects.filter(id__in=ids).values_list("id", "exception"))
        return [RetryResult(trigger_id, False, exceptions[trigger_id]) for trigger_id in ids]
    return _process_each(ids)


def webhook_endpoint_kept(*, base_url: str, forget_gone: bool = False) -> WebhookEndpoint | None:
    """The endpoint kept for ``base_url`` that Stripe still knows (``forget_gone``: delete the
    kept ones Stripe no longer knows, as registering does before it makes a new one)."""
    base_url = base_url.rstrip("/")
    api = client().v1
    for kept in WebhookEndpoint.objects.filter(url__startswith=f"{base_url}/stripe/webhook/"):
        try:
            with calling_stripe("webhook endpoint retrieve"):
                api.webhook_endpoints.retrieve(kept.id)
            return kept
        except Exception:  # noqa: BLE001 (gone at Stripe)
            if forget_gone:
                kept.delete()
    return None


def webhook_endpoint_register(*, base_url: str) -> WebhookEndpoint:
    """Register Fanfare's webhook URL at Stripe (or the peer) and keep it, with its secret, for dj-stripe.

    An endpoint kept for this base URL that Stripe still knows is reused; one Stripe no longer
    knows (the peer forgets everything when it restarts) is replaced.
    """
    base_url = base_url.rstrip("/")
    api = client().v1
    kept = webhook_endpoint_kept(base_url=base_url, forget_gone=True)
    if kept is not None:
        return kept
    endpoint = WebhookEndpoint()
    url = f"{base_url}/stripe/webhook/{endpoint.djstripe_uuid}/"
    with calling_stripe("webhook endpoint create"):
        remote = api.webhook_endpoints.create(
            params={
                "url": url,
                "enabled_events": ENABLED_EVENTS,
                "api_version": djstripe_settings.STRIPE_API_VERSION,
                "metadata": {"djstripe_uuid": str(endpoint.djstripe_uuid)},
            }
        )
    data = remote.to_dict()
    data["livemode"] = settings.STRIPE_LIVE_MODE
    endpoint = WebhookEndpoint.sync_from_stripe_data(data, api_key=settings.STRIPE_SECRET_KEY)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=remote.secret)
    endpoint.refresh_from_db()
    return endpoint
