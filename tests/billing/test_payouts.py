"""Connect onboarding, the hold period, payout runs, two-person approval, transfers and their reversal,
moderation holds and withholding: end to end against the local Stripe peer over HTTP."""

import datetime as dt
import threading

import pytest
import requests
from django.db import connection
from django.utils import timezone

from billing import chart
from billing.models import ConnectAccount, JournalEntry, Payment, Payout, PayoutRun, TaxProfile
from billing.selectors import balance_of, balances_from_lines
from billing.services.connect import connect_account_get_or_create, connect_onboarding_link
from billing.services.payments import payment_create
from billing.services.payouts import (
    earnings_moderation_hold,
    earnings_moderation_release,
    earnings_release,
    payout_approve,
    payout_check,
    payout_hold,
    payout_release,
    payout_transfer_send,
    payouts_prepare,
)
from billing.services.refunds import refund_create
from core.errors import ConflictError, PermissionDeniedError
from notifications.models import Notification
from tests.billing.conftest import post_event
from tests.billing.factories import lines_of
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db

PERIOD = (dt.date(2026, 11, 23), dt.date(2026, 11, 29))


def _tip(payer, creator, amount=10_000, key="tip:1"):
    return payment_create(
        payer=payer,
        beneficiary=creator,
        purpose=Payment.Purpose.TIP,
        amount=amount,
        currency="usd",
        idempotency_key=key,
        payment_method_id="pm_card_visa",
    )


def _available(creator) -> int:
    """What Fanfare owes the creator now (positive), from the running balance."""
    return -balance_of(account=chart.creator(creator.pk, "available"), currency="usd")


def _onboarded(stripe_peer, creator) -> ConnectAccount:
    row = connect_account_get_or_create(user=creator)
    stripe_peer.helper(f"/_peer/accounts/{row.stripe_account_id}/state", state="enabled")
    from billing.services.connect import connect_account_sync

    return connect_account_sync(stripe_account_id=row.stripe_account_id)


def _release_all():
    return earnings_release(now=timezone.now() + dt.timedelta(days=8))


@pytest.fixture
def staff():
    return with_role(UserFactory(), "finance"), with_role(UserFactory(), "finance")


def _ledger_balances():
    assert sum(balances_from_lines().values()) == 0
    from billing.models import LedgerAccount

    for (name, currency), total in balances_from_lines().items():
        assert LedgerAccount.objects.get(name=name, currency=currency).balance == total


# -- Connect -------------------------------------------------------------------------------------
def test_onboarding_creates_an_express_account_once_and_a_link_whose_page_completes_it(
    stripe_peer, webhook_endpoint, client
):
    creator = UserFactory()

    url = connect_onboarding_link(
        user=creator,
        return_url="http://testserver/studio/earnings/",
        refresh_url="http://testserver/studio/earnings/?refresh=1",
    )
    again = connect_account_get_or_create(user=creator)

    row = ConnectAccount.objects.get(user=creator)
    assert again.pk == row.pk
    assert row.status == ConnectAccount.Status.DETAILS_NEEDED
    assert "external_account" in row.requirements_due
    assert len([o for o in stripe_peer.state.objects.values() if o.get("type") == "express"]) == 1
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert "Submit details" in page.text
    done = requests.post(url, data={"state": "pending_verification", "return_url": "http://testserver/x"},
                         allow_redirects=False, timeout=10)  # fmt: skip
    assert done.status_code == 303
    assert done.headers["Location"] == "http://testserver/x"

    # account.updated, through dj-stripe (which re-fetches the account from the peer), keeps it current.
    event = stripe_peer.events("account.updated")[-1]
    assert post_event(client, webhook_endpoint, event).status_code == 200
    row.refresh_from_db()
    assert row.status == ConnectAccount.Status.PENDING_VERIFICATION
    stripe_peer.helper(f"/_peer/accounts/{row.stripe_account_id}/state", state="enabled")
    assert post_event(client, webhook_endpoint, stripe_peer.events("account.updated")[-1]).status_code == 200
    row.refresh_from_db()
    assert (row.status, row.payouts_enabled, row.transfers_capability) == ("enabled", True, "active")
    stripe_peer.helper(f"/_peer/accounts/{row.stripe_account_id}/state", state="restricted")
    assert post_event(client, webhook_endpoint, stripe_peer.events("account.updated")[-1]).status_code == 200
    row.refresh_from_db()
    assert row.status == ConnectAccount.Status.RESTRICTED
    assert row.disabled_reason == "requirements.past_due"


# -- hold period -----------------------------------------------------------------------------------
def test_earnings_become_available_after_the_hold_period_first_in_first_out(stripe_peer, settings):
    settings.BILLING_EARNINGS_HOLD_DAYS = 7
    creator = UserFactory()
    _tip(UserFactory(), creator, amount=10_000)
    pending = chart.creator(creator.pk, "pending")
    share = -balance_of(account=pending, currency="usd")
    assert share == 9_196  # 95% of (10000 - 320 fee), rounded down

    assert earnings_release() == 0  # not yet 7 days old
    assert earnings_release(now=timezone.now() + dt.timedelta(days=7, minutes=1)) == 1
    assert earnings_release(now=timezone.now() + dt.timedelta(days=7, minutes=2)) == 0  # nothing twice

    assert balance_of(account=pending, currency="usd") == 0
    assert _available(creator) == share
    entry = JournalEntry.objects.get(kind=JournalEntry.Kind.HOLD_RELEASED)
    assert lines_of(entry.idempotency_key) == {pending: share, chart.creator(creator.pk, "available"): -share}
    _ledger_balances()


# -- payout runs -------------------------------------------------------------------------------------
def test_a_run_prepares_one_payout_per_creator_over_the_minimum_and_says_why_others_were_left_out(
    stripe_peer, settings
):
    settings.BILLING_PAYOUT_MINIMUMS = {"usd": 2500}
    rich, poor, not_onboarded = UserFactory(), UserFactory(), UserFactory()
    _onboarded(stripe_peer, rich)
    _onboarded(stripe_peer, poor)
    _tip(UserFactory(), rich, amount=10_000, key="tip:rich")
    _tip(UserFactory(), poor, amount=1_000, key="tip:poor")
    _tip(UserFactory(), not_onboarded, amount=10_000, key="tip:none")
    _release_all()

    dry = payouts_prepare(period=PERIOD, dry_run=True)
    assert Payout.objects.count() == 0
    assert PayoutRun.objects.count() == 0
    assert dry.would_prepare == [(str(rich.pk), "usd", 9_196)]

    result = payouts_prepare(period=PERIOD)
    again = payouts_prepare(period=PERIOD)

    payout = Payout.objects.get()
    assert (payout.creator_id, payout.amount, payout.net, payout.status) == (rich.pk, 9_196, 9_196, "prepared")
    assert (payout.period_start, payout.period_end) == PERIOD
    assert result.skipped == {"below_minimum": [f"{poor.pk}:usd"], "not_onboarded": [f"{not_onboarded.pk}:usd"]}
    assert again.prepared == []
    assert again.skipped["exists"] == [f"{rich.pk}:usd"]
    run = PayoutRun.objects.get()
    assert run.prepared_count == 1
    # Nothing leaves available until a payout is approved.
    assert _available(rich) == 9_196


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_payout_per_creator_and_period(stripe_peer):
    creators = [UserFactory() for _ in range(3)]
    for index, creator in enumerate(creators):
        _onboarded(stripe_peer, creator)
        _tip(UserFactory(), creator, amount=10_000, key=f"tip:{index}")
    _release_all()
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            payouts_prepare(period=PERIOD)
        except Exception as error:  # noqa: BLE001 - collected and asserted empty
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Payout.objects.count() == 3
    assert sorted(Payout.objects.values_list("creator_id", flat=True)) == sorted(c.pk for c in creators)
    assert PayoutRun.objects.count() == 1


# -- approval and the transfer ----------------------------------------------------------------------
def test_two_people_approve_then_the_transfer_goes_out_once_and_the_ledger_follows(
    stripe_peer, staff, django_capture_on_commit_callbacks, webhook_endpoint, client
):
    checker, approver = staff
    creator = UserFactory()
    connect = _onboarded(stripe_peer, creator)
    _tip(UserFactory(), creator, amount=10_000)
    _release_all()
    payout = payouts_prepare(period=PERIOD).prepared[0]

    with pytest.raises(PermissionDeniedError) as no_staff:
        payout_check(payout=payout, by=UserFactory())
    assert no_staff.value.code == "payout_not_allowed"
    with pytest.raises(ConflictError) as unchecked:
        payout_approve(payout=payout, by=approver)
    assert unchecked.value.code == "payout_not_checked"
    payout_check(payout=payout, by=checker)
    with pytest.raises(PermissionDeniedError) as own:
        payout_approve(payout=payout, by=checker)
    assert own.value.code == "payout_same_person"

    with django_capture_on_commit_callbacks(execute=True):
        payout = payout_approve(payout=payout, by=approver)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    transfer = stripe_peer.state.objects[payout.stripe_transfer_id]
    assert (transfer["amount"], transfer["destination"]) == (9_196, connect.stripe_account_id)
    assert lines_of(f"payout:{payout.pk}:approved") == {
        chart.creator(creator.pk, "available"): 9_196,
        chart.TRANSFERS_IN_FLIGHT: -9_196,
    }
    assert lines_of(f"transfer:{transfer['id']}:confirmed") == {
        chart.TRANSFERS_IN_FLIGHT: 9_196,
        chart.STRIPE_BALANCE: -9_196,
    }
    assert _available(creator) == 0
    # Sending again (a retried task), and the transfer.created event, change nothing.
    payout_transfer_send(payout_id=payout.pk)
    assert post_event(client, webhook_endpoint, stripe_peer.events("transfer.created")[-1]).status_code == 200
    assert len(stripe_peer.events("transfer.created")) == 1
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).count() == 1
    assert Notification.objects.filter(recipient=creator, kind="payout_sent").count() == 1
    _ledger_balances()


def test_a_reversed_transfer_returns_the_money_to_available_and_tells_the_creator(
    stripe_peer, staff, django_capture_on_commit_callbacks, webhook_endpoint, client
):
    checker, approver = staff
    creator = UserFactory()
    _onboarded(stripe_peer, creator)
    _tip(UserFactory(), creator, amount=10_000)
    _release_all()
    payout = payouts_prepare(period=PERIOD).prepared[0]
    payout_check(payout=payout, by=checker)
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout=payout, by=approver)
    payout.refresh_from_db()

    stripe_peer.helper(f"/_peer/transfers/{payout.stripe_transfer_id}/fail")
    for event in stripe_peer.events("transfer.reversed", "transfer.updated"):
        assert post_event(client, webhook_endpoint, event).status_code == 200

    payout.refresh_from_db()
    assert payout.status == Payout.Status.REVERSED
    reversal = stripe_peer.state.objects[payout.stripe_transfer_id]["reversals"]["data"][0]
    assert lines_of(f"transfer-reversal:{reversal['id']}") == {
        chart.STRIPE_BALANCE: 9_196,
        chart.creator(creator.pk, "available"): -9_196,
    }
    assert _available(creator) == 9_196
    assert Notification.objects.filter(recipient=creator, kind="payout_failed").count() == 1
    _ledger_balances()


def test_reconcile_checks_transfers_and_repairs_a_reversal_whose_webhook_never_came(
    stripe_peer, staff, django_capture_on_commit_callbacks, capsys
):
    from django.core.management import CommandError, call_command

    checker, approver = staff
    creator = UserFactory()
    _onboarded(stripe_peer, creator)
    _tip(UserFactory(), creator, amount=10_000)
    _release_all()
    payout = payouts_prepare(period=PERIOD).prepared[0]
    payout_check(payout=payout, by=checker)
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout=payout, by=approver)
    payout.refresh_from_db()
    # The transfer and its entry agree: nothing to report, and it is no longer "not tracked".
    call_command("billing_reconcile", "--since", "2020-01-01")
    assert capsys.readouterr().out == "0 differences, 0 unresolved\n"

    stripe_peer.helper(f"/_peer/transfers/{payout.stripe_transfer_id}/fail")  # no webhook reaches Fanfare
    reversal = stripe_peer.state.objects[payout.stripe_transfer_id]["reversals"]["data"][0]
    with pytest.raises(CommandError, match=r"^1 differences"):
        call_command("billing_reconcile", "--dry-run")
    assert f"({reversal['id']}): missing_entry transfer_refund 9196" in capsys.readouterr().out
    assert _available(creator) == 0

    call_command("billing_reconcile")

    assert f"({reversal['id']}): repaired" in capsys.readouterr().out
    assert lines_of(f"transfer-reversal:{reversal['id']}") == {
        chart.STRIPE_BALANCE: 9_196,
        chart.creator(creator.pk, "available"): -9_196,
    }
    payout.refresh_from_db()
    assert payout.status == Payout.Status.REVERSED
    assert _available(creator) == 9_196
    call_command("billing_reconcile")
    assert capsys.readouterr().out == "0 differences, 0 unresolved\n"
    _ledger_balances()


def test_a_transfer_stripe_refuses_fails_the_payout_and_returns_the_money(
    stripe_peer, staff, django_capture_on_commit_callbacks
):
    checker, approver = staff
    creator = UserFactory()
    connect = _onboarded(stripe_peer, creator)
    _tip(UserFactory(), creator, amount=10_000)
    _release_all()
    payout = payouts_prepare(period=PERIOD).prepared[0]
    payout_check(payout=payout, by=checker)
    stripe_peer.helper(f"/_peer/accounts/{connect.stripe_account_id}/state", state="restricted")

    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout=payout, by=approver)

    payout.refresh_from_db()
    assert (payout.status, payout.failure_code) == ("failed", "insufficient_capabilities_for_transfer")
    assert lines_of(f"payout:{payout.pk}:failed") == {
        chart.creator(creator.pk, "available"): -9_196,
        chart.TRANSFERS_IN_FLIGHT: 9_196,
    }
    assert _available(creator) == 9_196
    assert Notification.objects.filter(recipient=creator, kind="payout_failed").count() == 1
    _ledger_balances()


def test_a_refund_after_the_payout_leaves_a_debt_the_next_payout_nets_off(
    stripe_peer, staff, django_capture_on_commit_callbacks
):
    checker, approver = staff
    creator = UserFactory()
    _onboarded(stripe_peer, creator)
    paid_out = _tip(UserFactory(), creator, amount=10_000, key="tip:a")
    _release_all()
    first = payouts_prepare(period=PERIOD).prepared[0]
    payout_check(payout=first, by=checker)
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout=first, by=approver)

    refund_create(payment=paid_out, amount=4_000, reason="chargeback avoided")
    assert (
        _available(creator) == -3_678
    )  # 9196 x 4000 / 10000, rounded down, taken back from available: the creator owes it
    _tip(UserFactory(), creator, amount=10_000, key="tip:b")
    _release_all()
    second = payouts_prepare(period=(dt.date(2026, 11, 30), dt.date(2026, 12, 6))).prepared[0]

    assert second.amount == 9_196 - 3_678  # netted off, never lost
    _ledger_balances()


def test_withholding_goes_to_its_own_account(stripe_peer, staff, django_capture_on_commit_callbacks):
    checker, approver = staff
    creator = UserFactory()
    _onboarded(stripe_peer, creator)
    TaxProfile.objects.create(user=creator, country="DE", form_status="collected", withholding_bps=3000)
    _tip(UserFactory(), creator, amount=10_000)
    _release_all()
    payout = payouts_prepare(period=PERIOD).prepared[0]
    payout_check(payout=payout, by=checker)
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout=payout, by=approver)

    payout.refresh_from_db()
    assert (payout.amount, payout.withholding, payout.net) == (9_196, 2_758, 6_438)
    assert stripe_peer.state.objects[payout.stripe_transfer_id]["amount"] == 6_438
    assert balance_of(account=chart.TAX_WITHHOLDING, currency="usd") == -2_758
    _ledger_balances()


def test_finance_holds_and_releases_with_a_reason(stripe_peer, staff):
    checker, approver = staff
    creator = UserFactory()
    _onboarded(stripe_peer, creator)
    _tip(UserFactory(), creator, amount=10_000)
    _release_all()
    payout = payouts_prepare(period=PERIOD).prepared[0]
    payout_check(payout=payout, by=checker)

    held = payout_hold(payout=payout, by=approver, reason="checking the creator's identity")
    assert held.status == "held"
    with pytest.raises(ConflictError):
        payout_approve(payout=held, by=approver)
    released = payout_release(payout=held, by=approver, reason="identity confirmed")
    assert (released.status, released.checked_by) == ("prepared", None)  # checked again, by two people
    assert "identity confirmed" in released.notes


# -- moderation hold ---------------------------------------------------------------------------------
def test_a_suspension_holds_the_money_and_open_payouts_and_lifting_releases_them(stripe_peer):
    from accounts.services.moderation import user_suspend

    creator = UserFactory()
    _onboarded(stripe_peer, creator)
    _tip(UserFactory(), creator, amount=10_000)
    _release_all()
    payout = payouts_prepare(period=PERIOD).prepared[0]
    moderator = with_role(UserFactory(), "moderator")

    action = user_suspend(
        user=creator, by=moderator, reason="fraud review", until=timezone.now() + dt.timedelta(days=3)
    )

    payout.refresh_from_db()
    assert (payout.status, payout.held_by_moderation) == ("held", True)
    assert balance_of(account=chart.creator(creator.pk, "held"), currency="usd") == -9_196
    assert _available(creator) == 0
    assert payouts_prepare(period=(dt.date(2026, 11, 30), dt.date(2026, 12, 6))).prepared == []

    from accounts.services.moderation import moderation_action_lift

    moderation_action_lift(action=action, by=moderator, reason="cleared")

    payout.refresh_from_db()
    assert payout.status == "prepared"
    assert _available(creator) == 9_196
    assert balance_of(account=chart.creator(creator.pk, "held"), currency="usd") == 0
    assert earnings_moderation_release(user=creator)["released"] == {}  # nothing twice
    _ledger_balances()


def test_the_moderation_effect_is_registered():
    from moderation.services.enforcement import EFFECTS, RELEASES

    assert "earnings" in dict(EFFECTS)
    assert "earnings" in dict(RELEASES)
    assert earnings_moderation_hold(user=UserFactory()) == {"held": {}, "payouts_held": 0}
