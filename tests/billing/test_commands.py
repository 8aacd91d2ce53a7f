"""Operators' commands: retrying failed webhook deliveries, reconciling with Stripe, checking balances."""

import pytest
from django.core.management import CommandError, call_command
from djstripe.models import WebhookEventTrigger

from billing import chart
from billing.models import JournalEntry, LedgerAccount, Payment
from billing.services.payments import payment_create
from billing.tasks import webhook_events_retry_task
from tests.billing.conftest import post_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _paid_tip(amount=1000, key="tip:1"):
    return payment_create(
        payer=UserFactory(),
        beneficiary=UserFactory(),
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency="usd",
        idempotency_key=key,
        payment_method_id="pm_card_visa",
    )


def _failed_delivery(stripe_peer, webhook_endpoint, client, settings):
    payment = _paid_tip()
    stripe_peer.dispute(payment.stripe_payment_intent_id)
    (created,) = stripe_peer.events("charge.dispute.created")
    import stripe

    # Stripe stops answering while the event is processed: the delivery was stored and acknowledged
    # (200) before the processing task ran; the task keeps it unprocessed, with the exception.
    settings.STRIPE_API_BASE, stripe.api_base, settings.STRIPE_MAX_NETWORK_RETRIES = (
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        0,
    )
    client.raise_request_exception = False
    response = post_event(client, webhook_endpoint, created)
    settings.STRIPE_API_BASE, stripe.api_base = stripe_peer.url, stripe_peer.url
    assert response.status_code == 200
    return payment


def test_a_failed_delivery_is_kept_and_the_retry_command_processes_it(stripe_peer, webhook_endpoint, client, settings):
    payment = _failed_delivery(stripe_peer, webhook_endpoint, client, settings)
    trigger = WebhookEventTrigger.objects.get()
    assert (trigger.valid, trigger.processed) == (True, False)
    assert "payment provider" in trigger.exception.lower() or trigger.exception

    call_command("billing_events_retry", "--dry-run")
    assert WebhookEventTrigger.objects.get().processed is False
    assert not JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).exists()

    call_command("billing_events_retry")

    trigger.refresh_from_db()
    assert trigger.processed is True
    assert trigger.exception == ""
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).count() == 1


def test_the_retry_task_does_the_same(stripe_peer, webhook_endpoint, client, settings):
    _failed_delivery(stripe_peer, webhook_endpoint, client, settings)

    assert webhook_events_retry_task.delay().get() == {"retried": 1, "processed": 1}
    assert webhook_events_retry_task.delay().get() == {"retried": 0, "processed": 0}


def test_reconcile_reports_and_repairs_what_the_ledger_is_missing(stripe_peer, capsys):
    payment = _paid_tip()
    stripe_peer.dispute(payment.stripe_payment_intent_id)  # no webhook reached Fanfare

    with pytest.raises(CommandError, match="1 differences"):
        call_command("billing_reconcile", "--dry-run", "--since", "1d")
    assert "missing_entry" in capsys.readouterr().out
    assert not JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).exists()

    call_command("billing_reconcile", "--since", "2020-01-01")

    assert "repaired" in capsys.readouterr().out
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.DISPUTE_OPENED).count() == 1
    call_command("billing_reconcile")  # nothing left: no error
    assert "0 unresolved" in capsys.readouterr().out


def test_ledger_balances_check_finds_a_running_balance_that_drifted(stripe_peer, capsys):
    _paid_tip()
    call_command("ledger_balances_check")
    assert "0 differences" in capsys.readouterr().out

    LedgerAccount.objects.filter(name=chart.STRIPE_BALANCE).update(balance=1)  # the cache drifts
    with pytest.raises(CommandError, match="1 running balances differ"):
        call_command("ledger_balances_check")
    assert "platform:stripe_balance USD: running 0.01 USD, lines 9.41 USD" in capsys.readouterr().out

    with pytest.raises(CommandError, match="1 running balances differ"):
        call_command("ledger_balances_check", "--repair", "--dry-run")
    assert "(would repair)" in capsys.readouterr().out
    assert LedgerAccount.objects.get(name=chart.STRIPE_BALANCE).balance == 1

    call_command("ledger_balances_check", "--repair")
    assert LedgerAccount.objects.get(name=chart.STRIPE_BALANCE).balance == 941
    call_command("ledger_balances_check")


def test_webhook_register_dry_run_says_what_it_would_do_and_registers_nothing(stripe_peer, capsys):
    from djstripe.models import WebhookEndpoint

    from billing.stripe_api import client

    mine = WebhookEndpoint.objects.filter(url__startswith="https://fanfare.example/")
    call_command("billing_webhook_register", "https://fanfare.example/", "--dry-run")
    assert capsys.readouterr().out == "would register https://fanfare.example/stripe/webhook/<new id>/ at Stripe\n"
    assert not mine.exists()
    assert [e.url for e in client().v1.webhook_endpoints.list().data if "fanfare.example" in e.url] == []

    call_command("billing_webhook_register", "https://fanfare.example")
    capsys.readouterr()
    endpoint = mine.get()
    call_command("billing_webhook_register", "https://fanfare.example", "--dry-run")

    assert capsys.readouterr().out == f"would keep {endpoint.url} ({endpoint.id}), which Stripe still knows\n"
    assert list(mine) == [endpoint]
