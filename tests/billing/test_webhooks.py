"""Webhooks at one verified URL, through dj-stripe: signature, storage, idempotency, any order, retries."""

import json

import pgtrigger
import pytest
from django.db import connection
from djstripe.models import Event, WebhookEventTrigger

from billing.models import Dispute, JournalEntry, JournalKey, JournalLine, LedgerAccount, Payment, Refund
from billing.selectors import balances_from_lines
from billing.services.payments import payment_create
from billing.services.refunds import refund_create
from billing.stripe_peer import sign
from tests.billing.conftest import post_event, replay_shuffled
from tests.billing.factories import ledger_snapshot
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("stripe_backend"),
    pytest.mark.peer_only(
        "these tests post the peer's recorded events, and make disputes on existing charges, with the "
        "peer's /_peer helpers (test mode opens disputes only through pm_card_createDispute: see "
        "test_refunds_disputes.py); Stripe cannot deliver webhooks to this machine's endpoint"
    ),
]


def _forget_everything():
    """Wipe billing's rows (the ledger's guard is switched off for this test only)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pgtrigger.ignore(
        "billing.JournalLine:billing_line_append_only",
        "billing.JournalEntry:billing_entry_append_only",
        "billing.JournalKey:billing_key_append_only",
    ):
        JournalLine.objects.all().delete()
        JournalEntry.objects.all().delete()
        JournalKey.objects.all().delete()
    LedgerAccount.objects.all().delete()
    Refund.objects.all().delete()
    Dispute.objects.all().delete()
    Payment.objects.all().delete()
    Event.objects.all().delete()
    WebhookEventTrigger.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _paid_tip(payer, creator, *, amount=1000, key="tip:1"):
    return payment_create(
        payer=payer,
        beneficiary=creator,
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency="usd",
        idempotency_key=key,
        payment_method_id="pm_card_visa",
    )


def test_a_signed_event_is_stored_processed_and_syncs_the_payment(stripe_peer, webhook_endpoint, client):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    (created,) = stripe_peer.events("charge.dispute.created")

    response = post_event(client, webhook_endpoint, created)

    assert response.status_code == 200
    trigger = WebhookEventTrigger.objects.get()
    assert trigger.valid is True
    assert trigger.processed is True
    assert trigger.event_id == created["id"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert Dispute.objects.get().status == "needs_response"
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).count() == 1


def test_a_bad_signature_is_400_stored_invalid_and_nothing_processed(stripe_peer, webhook_endpoint, client):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    (created,) = stripe_peer.events("charge.dispute.created")
    payload = json.dumps(created)

    forged = post_event(client, webhook_endpoint, created, secret="whsec_somebody_else")
    tampered = post_event(
        client,
        webhook_endpoint,
        {**created, "type": "charge.refunded"},
        signature=sign(payload, webhook_endpoint.secret),
    )
    unsigned = client.post(
        f"/stripe/webhook/{webhook_endpoint.djstripe_uuid}/", data=payload, content_type="application/json"
    )

    assert [forged.status_code, tampered.status_code, unsigned.status_code] == [400, 400, 400]
    assert list(WebhookEventTrigger.objects.values_list("valid", "processed")) == [(False, False), (False, False)]
    assert Event.objects.count() == 0
    assert Dispute.objects.count() == 0
    assert JournalEntry.objects.count() == 1  # the capture, posted when the payment was made


def test_every_event_type_replayed_three_times_in_shuffled_order_gives_the_identical_ledger(
    stripe_peer, webhook_endpoint, client
):
    payer, creator = UserFactory(), UserFactory()
    # given: a payment refunded in part, one refunded and then disputed and lost, one disputed and won
    refunded = _paid_tip(payer, creator, amount=2001, key="tip:a")
    refund_create(payment=refunded, amount=777, reason="asked nicely")
    refund_create(payment=refunded, amount=333, reason="and again")
    won = _paid_tip(payer, creator, amount=1500, key="tip:b")
    stripe_peer.helper(
        f"/_peer/disputes/{stripe_peer.dispute(won.stripe_payment_intent_id)['id']}/close", outcome="won"
    )
    lost = _paid_tip(payer, creator, amount=999, key="tip:c")
    stripe_peer.helper(
        f"/_peer/disputes/{stripe_peer.dispute(lost.stripe_payment_intent_id)['id']}/close", outcome="lost"
    )
    declined = None
    try:
        payment_create(
            payer=payer,
            beneficiary=creator,
            purpose="tip",
            amount=700,
            currency="usd",
            idempotency_key="tip:d",
            payment_method_id="pm_card_chargeDeclined",
        )
    except Exception:  # noqa: BLE001
        declined = Payment.objects.get(idempotency_key="tip:d")
    events = stripe_peer.events()
    # Fanfare hears of the disputes only through their events: deliver everything once, in order.
    assert {post_event(client, webhook_endpoint, event).status_code for event in events} == {200}
    expected = ledger_snapshot()
    statuses = dict(Payment.objects.values_list("idempotency_key", "status"))
    assert {key for key, kind, *_ in expected if kind.startswith("dispute")} == {
        f"dispute:{d}:{outcome}" for d, outcome in Dispute.objects.values_list("stripe_dispute_id", "status")
    } | {f"dispute:{d}:opened" for d in Dispute.objects.values_list("stripe_dispute_id", flat=True)}

    # when: the database forgets everything, and every event arrives three times in a shuffled order
    types = {event["type"] for event in events}
    _forget_everything()
    codes = replay_shuffled(client, webhook_endpoint, events, times=3)

    # then
    assert set(codes) == {200}
    assert {
        "payment_intent.succeeded",
        "charge.refunded",
        "refund.created",
        "charge.dispute.created",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
        "charge.dispute.funds_withdrawn",
        "payment_intent.payment_failed",
        "charge.failed",
    } <= types
    assert ledger_snapshot() == expected
    assert dict(Payment.objects.values_list("idempotency_key", "status")) == statuses
    assert statuses == {"tip:a": "partially_refunded", "tip:b": "succeeded", "tip:c": "disputed", "tip:d": "failed"}
    assert declined is not None
    assert Event.objects.count() == len(events)
    assert all(total == 0 for total in [sum(balances_from_lines().values())])


def test_a_delivery_is_stored_and_acknowledged_then_the_queued_task_processes_it(stripe_peer, webhook_endpoint, client):
    from billing.services.webhooks import webhook_events_process
    from config.celery import app
    from core.models import OutboxTask

    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator)
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    created = stripe_peer.events("charge.dispute.created")[0]
    withdrawn = stripe_peer.events("charge.dispute.funds_withdrawn")[0]
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        # As with a broker: the task goes to the outbox (published after commit, never here).
        first = client.post(
            f"/stripe/webhook/{webhook_endpoint.djstripe_uuid}/", data=json.dumps(created),
            content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(json.dumps(created), webhook_endpoint.secret),
        )  # fmt: skip
        second = client.post(
            f"/stripe/webhook/{webhook_endpoint.djstripe_uuid}/", data=json.dumps(withdrawn),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(json.dumps(withdrawn), webhook_endpoint.secret),
        )  # fmt: skip
    finally:
        app.conf.task_always_eager = eager

    # then: both stored, valid, not processed yet; one queued task (the second joined it)
    assert (first.status_code, second.status_code) == (200, 200)
    assert list(WebhookEventTrigger.objects.order_by("id").values_list("valid", "processed")) == [
        (True, False),
        (True, False),
    ]
    assert list(OutboxTask.objects.values_list("task", "status")) == [("billing.webhook_events_process", "queued")]
    assert Event.objects.count() == 0
    assert not JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).exists()

    # when: the task runs
    assert webhook_events_process() == {"processed": 2, "failed": 0}

    # then: processed once each, the payment disputed, one entry
    assert list(WebhookEventTrigger.objects.values_list("processed", flat=True)) == [True, True]
    assert Event.objects.count() == 2
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).count() == 1
    assert webhook_events_process() == {"processed": 0, "failed": 0}


def test_a_batch_reads_each_payment_once_and_syncs_dj_stripes_mirror_from_that_read(
    stripe_peer, webhook_endpoint, client
):
    from djstripe.models import Charge as MirroredCharge
    from djstripe.models import Dispute as MirroredDispute
    from djstripe.models import PaymentIntent as MirroredIntent

    from billing.services.webhooks import webhook_events_process
    from config.celery import app

    payer, creator = UserFactory(), UserFactory()
    refunded = _paid_tip(payer, creator, amount=2000, key="tip:r")
    refund_create(payment=refunded, amount=500, reason="asked")
    disputed = _paid_tip(payer, creator, amount=1500, key="tip:d")
    stripe_peer.dispute(disputed.stripe_payment_intent_id)
    events = stripe_peer.events(
        "payment_intent.succeeded", "charge.succeeded", "charge.refunded", "refund.created", "charge.dispute.created"
    )
    assert len(events) == 7
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        for event in events:  # stored and acknowledged; the task is queued, not run
            payload = json.dumps(event)
            response = client.post(
                f"/stripe/webhook/{webhook_endpoint.djstripe_uuid}/", data=payload, content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(payload, webhook_endpoint.secret),
            )  # fmt: skip
            assert response.status_code == 200
    finally:
        app.conf.task_always_eager = eager
    stripe_peer.state.requests.clear()

    assert webhook_events_process() == {"processed": 7, "failed": 0}

    # One read of each payment's current state (its intent with the charge and balance transaction
    # expanded, its refunds, its disputes); no re-fetch per event of the intent, charge or dispute.
    requests = stripe_peer.state.requests
    assert requests.get("GET /v1/payment_intents") == 2
    assert "GET /v1/refunds" not in requests  # the charge's refunds come with the intent (expanded)
    assert requests.get("GET /v1/disputes") == 1
    assert "GET /v1/charges" not in requests
    # dj-stripe's mirror holds Stripe's current state, whatever the event's snapshot said.
    charge = MirroredCharge.objects.get(id=refunded.stripe_charge_id)
    assert (charge.amount_refunded, charge.balance_transaction_id is not None) == (500, True)
    assert MirroredIntent.objects.get(id=refunded.stripe_payment_intent_id).stripe_data["status"] == "succeeded"
    assert MirroredDispute.objects.get(charge_id=Payment.objects.get(pk=disputed.pk).stripe_charge_id)
    refunded.refresh_from_db()
    disputed.refresh_from_db()
    assert (refunded.status, disputed.status) == (Payment.Status.PARTIALLY_REFUNDED, Payment.Status.DISPUTED)
    assert sorted(JournalEntry.objects.values_list("kind", flat=True)) == [
        "dispute_opened", "payment_captured", "payment_captured", "refund",
    ]  # fmt: skip


def _post_and_process(client, endpoint, events):
    """Store and acknowledge ``events`` (the task queued, not run), then run the task once."""
    from billing.services.webhooks import webhook_events_process

    _post_only(client, endpoint, events)
    return webhook_events_process()


def _post_only(client, endpoint, events):
    """Store and acknowledge ``events``; the processing task is queued, not run."""
    from config.celery import app

    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        for event in events:
            payload = json.dumps(event)
            response = client.post(
                f"/stripe/webhook/{endpoint.djstripe_uuid}/", data=payload, content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(payload, endpoint.secret),
            )  # fmt: skip
            assert response.status_code == 200
    finally:
        app.conf.task_always_eager = eager


def test_an_event_older_than_its_payments_last_full_read_is_logged_and_not_read_or_synced_again(
    stripe_peer, webhook_endpoint, client
):
    from djstripe.models import Charge as MirroredCharge

    from billing.services.webhooks import READ_COVERS_MARGIN_SECONDS

    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator, amount=2000, key="tip:c")
    refund_create(payment=payment, amount=500, reason="asked")
    (succeeded,) = stripe_peer.events("payment_intent.succeeded")
    (refunded,) = stripe_peer.events("charge.refunded")
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED, amount_refunded=0)
    Refund.objects.all().delete()
    entries_before = set(JournalEntry.objects.values_list("idempotency_key", flat=True))
    stripe_peer.state.requests.clear()

    # given: the payment's event is processed: one full read (it sees the refund too), which the
    # payment keeps, and dj-stripe's mirror of everything the read holds (the charge too)
    assert _post_and_process(client, webhook_endpoint, [succeeded]) == {"processed": 1, "failed": 0}
    payment.refresh_from_db()
    read_at = payment.stripe_read_at
    assert read_at is not None
    assert (payment.status, payment.amount_refunded) == (Payment.Status.PARTIALLY_REFUNDED, 500)
    assert stripe_peer.state.requests.get("GET /v1/payment_intents") == 1
    assert MirroredCharge.objects.get(id=payment.stripe_charge_id).amount_refunded == 500
    ledger = ledger_snapshot()
    stripe_peer.state.requests.clear()

    # when: an event created before that read began (by more than the clocks' margin) arrives
    older = {**refunded, "created": int(read_at.timestamp()) - READ_COVERS_MARGIN_SECONDS - 1}
    assert _post_and_process(client, webhook_endpoint, [older]) == {"processed": 1, "failed": 0}

    # then: logged (dj-stripe's Event, the delivery processed), nothing read, nothing posted
    assert Event.objects.filter(id=refunded["id"]).exists()
    assert not WebhookEventTrigger.objects.filter(processed=False).exists()
    assert "GET /v1/payment_intents" not in stripe_peer.state.requests
    assert ledger_snapshot() == ledger
    payment.refresh_from_db()
    assert payment.stripe_read_at == read_at

    # when: events created within the margin of that read, or after it, arrive
    near = {**refunded, "id": refunded["id"] + "_near", "created": int(read_at.timestamp()) - 2}
    assert _post_and_process(client, webhook_endpoint, [near]) == {"processed": 1, "failed": 0}

    # then: Stripe is read again (the margin covers the two clocks' skew), nothing new is posted
    assert stripe_peer.state.requests.get("GET /v1/payment_intents") == 1
    assert ledger_snapshot() == ledger
    payment.refresh_from_db()
    assert payment.stripe_read_at > read_at
    assert set(JournalEntry.objects.values_list("idempotency_key", flat=True)) >= entries_before


def test_a_refund_after_the_last_full_read_is_read_and_posted(stripe_peer, webhook_endpoint, client):
    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator, amount=2000, key="tip:n")
    (succeeded,) = stripe_peer.events("payment_intent.succeeded")
    assert _post_and_process(client, webhook_endpoint, [succeeded]) == {"processed": 1, "failed": 0}
    payment.refresh_from_db()
    assert payment.stripe_read_at is not None
    # a refund made at Stripe (the dashboard: no Fanfare row), announced by a later event
    from billing.stripe_api import client as stripe_client

    stripe_client().v1.refunds.create(params={"payment_intent": payment.stripe_payment_intent_id, "amount": 700})
    (refunded,) = stripe_peer.events("charge.refunded")
    assert refunded["created"] >= int(payment.stripe_read_at.timestamp()) - 1

    assert _post_and_process(client, webhook_endpoint, [refunded]) == {"processed": 1, "failed": 0}

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.PARTIALLY_REFUNDED, 700)
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.REFUND, payment_id=payment.pk).count() == 1


def test_a_batch_looks_up_dj_stripes_owner_account_once(stripe_peer, webhook_endpoint, client):
    from django.conf import settings
    from django.test.utils import CaptureQueriesContext
    from djstripe.models import Account

    payer, creator = UserFactory(), UserFactory()
    for index in range(3):
        payment = _paid_tip(payer, creator, amount=1000 + index, key=f"tip:o{index}")
        refund_create(payment=payment, amount=100, reason="asked")
    events = stripe_peer.events("payment_intent.succeeded", "charge.refunded")
    assert len(events) == 6

    from billing.services.webhooks import webhook_events_process

    _post_only(client, webhook_endpoint, events)
    Account.get_or_retrieve_for_api_key(settings.STRIPE_SECRET_KEY)  # made once, as by the first event ever
    with CaptureQueriesContext(connection) as queries:
        assert webhook_events_process() == {"processed": 6, "failed": 0}

    # dj-stripe's look-ups of its API key's account (on each object it syncs: six events, the
    # intents, charges and balance transactions of three payments) and of the owner account's key
    # (on each event) run once each for the batch
    apikey_reads = [q["sql"] for q in queries.captured_queries if 'FROM "djstripe_apikey"' in q["sql"]]
    assert len([sql for sql in apikey_reads if '"djstripe_apikey"."secret" =' in sql]) == 1
    assert len([sql for sql in apikey_reads if '"djstripe_apikey"."type" =' in sql]) == 1
    assert len(apikey_reads) == 2
    assert Event.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_workers_processing_deliveries_about_the_same_payments_at_once_post_each_entry_once(
    stripe_peer, webhook_endpoint
):
    import threading

    from billing.services.webhooks import webhook_events_process
    from billing.stripe_api import client as stripe_client
    from core.ids import uuid7

    # Four tips paid and partly refunded at Stripe whose rows the processing makes (from the
    # intents' metadata, as when payment_create's insert failed after Stripe answered).
    payer, creator = UserFactory(), UserFactory()
    api = stripe_client().v1
    customer = api.customers.create(params={"email": "race@example.com"})
    intents = []
    for index in range(4):
        payment_id = uuid7()
        metadata = {
            "fanfare_payment_id": str(payment_id), "purpose": "tip", "purpose_ref": "", "payer_id": str(payer.pk),
            "beneficiary_id": str(creator.pk), "idempotency_key": f"race:{payment_id}",
        }  # fmt: skip
        params = {
            "amount": 1000 + index, "currency": "usd", "customer": customer.id, "payment_method": "pm_card_visa",
            "confirm": True, "metadata": metadata,
        }  # fmt: skip
        intents.append(api.payment_intents.create(params=params).id)
        api.refunds.create(params={"payment_intent": intents[-1], "amount": 300})
    events = stripe_peer.events("payment_intent.succeeded", "charge.refunded")
    assert len(events) == 8
    # As Stripe's backlog after an outage: every event a minute old, so a batch that finds its payment
    # read by the other worker's batch (committed first) only logs it.
    for event in events + events[::-1][:4]:  # and four of them delivered twice
        WebhookEventTrigger.objects.create(
            valid=True, processed=False, body=json.dumps({**event, "created": event["created"] - 60}),
            headers={}, remote_ip="127.0.0.1", webhook_endpoint=webhook_endpoint,
        )  # fmt: skip
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(webhook_events_process(batch_size=2))
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(result["processed"] for result in results) == 12
    assert sum(result["failed"] for result in results) == 0
    assert not WebhookEventTrigger.objects.filter(processed=False).exists()
    assert Event.objects.count() == 8
    payments = Payment.objects.filter(stripe_payment_intent_id__in=intents)
    assert (
        sorted((p.status, p.amount_refunded, p.stripe_read_at is not None) for p in payments)
        == [(Payment.Status.PARTIALLY_REFUNDED, 300, True)] * 4
    )
    keys = sorted(JournalEntry.objects.values_list("kind", "payment_id"))
    assert keys == sorted([("payment_captured", p.pk) for p in payments] + [("refund", p.pk) for p in payments])
    assert sum(balances_from_lines().values()) == 0
    # each batch's balance changes are written once per account at its end: the running balances
    # equal the sums of the lines
    assert {(a.name, a.currency): a.balance for a in LedgerAccount.objects.all()} == balances_from_lines()


def _mirror_snapshot():
    """dj-stripe's mirror rows of the payment objects, field by field (foreign keys by the Stripe id of
    the row they point at; the mirror's own primary keys and write times left out)."""
    from djstripe.models import BalanceTransaction, Charge, Customer, PaymentIntent
    from djstripe.models import PaymentMethod as MirroredPaymentMethod

    snapshot = {}
    for model in (PaymentIntent, Charge, BalanceTransaction, MirroredPaymentMethod, Customer):
        rows = {}
        for row in model.objects.all():
            values = {}
            for model_field in model._meta.concrete_fields:
                if model_field.name in {"djstripe_id", "djstripe_created", "djstripe_updated"}:
                    continue
                if model_field.is_relation:
                    related = getattr(row, model_field.name)
                    values[model_field.name] = getattr(related, "id", None)
                else:
                    values[model_field.name] = getattr(row, model_field.attname)
            rows[row.id] = values
        snapshot[model.__name__] = rows
    return snapshot


def test_a_batch_writes_dj_stripes_mirror_in_bulk_with_the_rows_dj_stripes_own_sync_gives(
    stripe_peer, webhook_endpoint, client
):
    """The batch writes the PaymentIntent and Charge rows (and the balance transactions, payment methods
    and customers they refer to) with a few statements per model; each row, field by field, is the row
    dj-stripe's own handler (re-fetch, ``sync_from_stripe_data``) gives for the same objects."""
    from django.conf import settings
    from django.test.utils import CaptureQueriesContext
    from djstripe.models import Account, BalanceTransaction, Charge, Customer, PaymentIntent
    from djstripe.models import PaymentMethod as MirroredPaymentMethod

    from billing.services.webhooks import webhook_events_process

    payer, creator = UserFactory(), UserFactory()
    payments = []
    for index in range(3):
        payments.append(_paid_tip(payer, creator, amount=1500 + index, key=f"tip:m{index}"))
        if index:
            refund_create(payment=payments[-1], amount=200 * index, reason="asked")
    events = stripe_peer.events("payment_intent.succeeded", "charge.refunded")
    assert len(events) == 5
    _post_only(client, webhook_endpoint, events)
    Account.get_or_retrieve_for_api_key(settings.STRIPE_SECRET_KEY)  # made once, as by the first event ever

    with CaptureQueriesContext(connection) as queries:
        assert webhook_events_process() == {"processed": 5, "failed": 0}

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "djstripe_')]
    # one statement per model for the batch: the events, intents, charges, their balance transactions
    # and payment methods (the customer, made once by dj-stripe's own look-up)
    assert sorted(sql.split('"')[1] for sql in writes) == [
        "djstripe_balancetransaction", "djstripe_charge", "djstripe_customer", "djstripe_event",
        "djstripe_paymentintent", "djstripe_paymentmethod",
    ]  # fmt: skip
    bulk = _mirror_snapshot()
    assert len(bulk["PaymentIntent"]) == len(bulk["Charge"]) == len(bulk["BalanceTransaction"]) == 3
    assert {row["payment_intent"] for row in bulk["Charge"].values()} == {p.stripe_payment_intent_id for p in payments}
    assert all(row["balance_transaction"] and row["customer"] for row in bulk["Charge"].values())
    assert all(row["payment_method"] and row["customer"] for row in bulk["PaymentIntent"].values())
    assert {row["amount_refunded"] for row in [r["stripe_data"] for r in bulk["Charge"].values()]} == {0, 200, 400}

    # dj-stripe's own sync of the same objects, from nothing, as its handlers do it (re-fetch, sync)
    for model in (Charge, PaymentIntent, BalanceTransaction, MirroredPaymentMethod, Customer):
        model.objects.all().delete()
    for payment in payments:
        payment.refresh_from_db()
        PaymentIntent.sync_from_stripe_data(PaymentIntent(id=payment.stripe_payment_intent_id).api_retrieve())
        Charge.sync_from_stripe_data(Charge(id=payment.stripe_charge_id).api_retrieve())

    assert _mirror_snapshot() == bulk


def test_a_batch_posts_its_entries_at_its_end_and_a_refund_sees_the_capture_posted_before_it(
    stripe_peer, webhook_endpoint, client
):
    """A payment's capture and its refund posted in one batch (written together at its end): the
    refund takes the creator's share back from ``pending``, which the capture credited in the same
    batch (not yet written), as it would one entry at a time; the running balances equal the lines."""
    from billing import chart
    from billing.services.webhooks import webhook_events_process

    payer, creator = UserFactory(), UserFactory()
    payment = _paid_tip(payer, creator, amount=2000, key="tip:b")
    refund_create(payment=payment, amount=500, reason="asked")
    events = stripe_peer.events("payment_intent.succeeded", "charge.refunded")
    expected = ledger_snapshot()
    _forget_everything()
    _post_only(client, webhook_endpoint, events)

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert webhook_events_process() == {"processed": 2, "failed": 0}

    statements = [q["sql"] for q in queries.captured_queries]
    assert len([sql for sql in statements if sql.startswith('INSERT INTO "billing_journalentry"')]) == 1
    assert len([sql for sql in statements if sql.startswith('INSERT INTO "billing_journalline"')]) == 1
    assert len([sql for sql in statements if sql.startswith("UPDATE billing_ledgeraccount ")]) == 1
    assert ledger_snapshot() == expected
    lines = {(key, account): amount for key, _kind, account, _currency, amount in ledger_snapshot()}
    refund_key = next(key for key, _account in lines if key.startswith("refund:"))
    assert lines[(refund_key, chart.creator(creator.pk, "pending"))] > 0
    assert (refund_key, chart.creator(creator.pk, "available")) not in lines
    assert {(a.name, a.currency): a.balance for a in LedgerAccount.objects.all()} == balances_from_lines()


def test_the_read_of_a_payment_takes_its_refunds_from_the_intent_and_lists_them_past_the_first_page(stripe_peer):
    from billing.services.payments import stripe_state_fetch

    payer, creator = UserFactory(), UserFactory()
    few = _paid_tip(payer, creator, amount=2000, key="tip:few")
    many = _paid_tip(payer, creator, amount=2000, key="tip:many")
    for index in range(2):
        refund_create(payment=few, amount=100 + index, reason="asked")
    for index in range(11):
        refund_create(payment=many, amount=100 + index, reason="asked")
    stripe_peer.state.requests.clear()

    few_state = stripe_state_fetch(payment_intent_id=few.stripe_payment_intent_id)
    after_few = dict(stripe_peer.state.requests)
    many_state = stripe_state_fetch(payment_intent_id=many.stripe_payment_intent_id)

    assert after_few == {"GET /v1/payment_intents": 1}
    assert stripe_peer.state.requests == {"GET /v1/payment_intents": 2, "GET /v1/refunds": 1}
    assert sorted(refund.amount for refund in few_state.refunds) == [100, 101]
    assert sorted(refund.amount for refund in many_state.refunds) == [100 + index for index in range(11)]
    assert all(refund.balance_transaction.fee is not None for refund in few_state.refunds + many_state.refunds)
