"""Memberships end to end against the local Stripe peer over HTTP: webhooks are the peer's own
events, posted to Fanfare's webhook URL (dj-stripe re-fetches each object from the peer)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing import chart
from billing.models import BillingCustomer, JournalEntry, Membership, MembershipTrial, Payment
from billing.selectors import balance_of, balances_from_lines, membership_tier_of, viewer_has_tier
from billing.services import memberships as svc
from billing.services.customers import payment_method_save
from billing.stripe_api import PaymentDeclinedError
from billing.stripe_api import client as client_stripe
from core.errors import ApplicationError
from notifications.models import Notification
from tests.billing.conftest import post_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ledger_balanced():
    from billing.models import LedgerAccount

    lines = balances_from_lines()
    running = {(a.name, a.currency): a.balance for a in LedgerAccount.objects.all()}
    assert lines == running
    totals = {}
    for (_name, currency), amount in lines.items():
        totals[currency] = totals.get(currency, 0) + amount
    assert all(total == 0 for total in totals.values()), totals


def _tier(creator, *, position=1, monthly=500, yearly=None, trial_days=0, name=None):
    return svc.tier_create(
        creator=creator,
        name=name or f"Tier {position}",
        position=position,
        prices=[svc.TierPrice("usd", monthly, yearly)],
        trial_days=trial_days,
        benefits=["Badge in chat"],
    )


def _viewer_with_card(card="pm_card_visa"):
    viewer = UserFactory()
    payment_method_save(user=viewer, payment_method_id=card, make_default=True)
    return viewer


def _deliver(client, endpoint, stripe_peer, *types, since=0):
    """Post the peer's events of ``types`` (emitted after index ``since``) to Fanfare, in order."""
    events = [e for e in stripe_peer.state.events[since:] if not types or e["type"] in types]
    for event in events:
        assert post_event(client, endpoint, event).status_code == 200
    return events


def _advance(stripe_peer, membership, **data):
    since = len(stripe_peer.state.events)
    stripe_peer.helper(f"/_peer/subscriptions/{membership.stripe_subscription_id}/advance", **data)
    return since


def test_join_charges_the_first_month_and_posts_the_creators_share(stripe_peer):
    creator = UserFactory()
    tier = _tier(creator, monthly=1000)
    viewer = _viewer_with_card()

    result = svc.membership_join(viewer=viewer, tier=tier, currency="usd")

    membership = result.membership
    assert (membership.status, result.requires_action) == (Membership.Status.ACTIVE, False)
    assert membership.stripe_subscription_id.startswith("sub_")
    payment = Payment.objects.get(purpose=Payment.Purpose.MEMBERSHIP)
    assert (payment.amount, payment.status, payment.payer_id, payment.beneficiary_id) == (
        1000, Payment.Status.SUCCEEDED, viewer.pk, creator.pk,
    )  # fmt: skip
    # Memberships: the platform bears the fee; the creator gets 90% of the gross.
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == -900
    assert balance_of(account=chart.revenue("membership"), currency="usd") == -100
    assert membership_tier_of(viewer=viewer, creator_id=creator.pk) == tier
    assert Notification.objects.filter(recipient=creator, kind="subscription").count() == 1
    _ledger_balanced()


def test_joining_twice_is_409_and_racing_joins_make_one_membership(stripe_peer, transactional_db):
    creator = UserFactory()
    tier = _tier(creator)
    viewer = _viewer_with_card()
    outcomes = []

    def join():
        try:
            svc.membership_join(viewer=viewer, tier=tier, currency="usd")
            outcomes.append("joined")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=join) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["joined", "membership_exists"]
    assert Membership.objects.filter(viewer=viewer, status=Membership.Status.ACTIVE).count() == 1
    assert Payment.objects.count() == 1
    with pytest.raises(ApplicationError) as caught:
        svc.membership_join(viewer=viewer, tier=tier, currency="usd")
    assert caught.value.code == "membership_exists"
    _ledger_balanced()


def test_bad_joins_have_stable_codes(stripe_peer):
    creator = UserFactory()
    tier = _tier(creator)
    viewer = _viewer_with_card()

    for kwargs, code in [
        ({"currency": "xyz"}, "currency_unsupported"),
        ({"currency": "eur"}, "price_unavailable"),
        ({"currency": "usd", "interval": "year"}, "price_unavailable"),
    ]:
        with pytest.raises(ApplicationError) as caught:
            svc.membership_join(viewer=viewer, tier=tier, **kwargs)
        assert caught.value.code == code
    with pytest.raises(ApplicationError) as caught:
        svc.membership_join(viewer=creator, tier=tier, currency="usd")
    assert caught.value.code == "membership_own_tier"
    with pytest.raises(ApplicationError) as caught:
        svc.membership_join(viewer=UserFactory(), tier=tier, currency="usd")
    assert caught.value.code == "payment_method_required"
    svc.tier_archive(tier=tier, by=creator)
    with pytest.raises(ApplicationError) as caught:
        svc.membership_join(viewer=viewer, tier=tier, currency="usd")
    assert (caught.value.code, caught.value.status_code) == ("tier_archived", 409)
    assert Membership.objects.count() == 0


def test_a_declined_card_is_402_and_leaves_no_live_membership(stripe_peer):
    """Declined when saved (a new card) or when the first invoice is charged (error_if_incomplete)."""
    creator = UserFactory()
    tier = _tier(creator)
    viewer = UserFactory()

    with pytest.raises(PaymentDeclinedError):
        svc.membership_join(viewer=viewer, tier=tier, currency="usd", payment_method_id="pm_card_chargeDeclined")

    assert Membership.objects.count() == 0  # the card is declined when it is attached: nothing kept
    assert not viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=None)
    # A saved card that now declines (the peer's card swapped underneath): the join fails at the charge.
    saved = _viewer_with_card()
    card = BillingCustomer.objects.get(user=saved).default_payment_method_id
    stripe_peer.state.card_numbers[card] = "4000000000000002"
    with pytest.raises(PaymentDeclinedError):
        svc.membership_join(viewer=saved, tier=tier, currency="usd")
    assert list(Membership.objects.values_list("status", flat=True)) == [Membership.Status.ENDED]
    assert JournalEntry.objects.count() == 0
    assert stripe_peer.state.of_kind("subscription") == []


def test_three_d_secure_at_join_activates_once_the_invoice_is_paid(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    tier = _tier(creator, monthly=700)
    viewer = UserFactory()

    result = svc.membership_join(
        viewer=viewer, tier=tier, currency="usd", payment_method_id="pm_card_authenticationRequired"
    )

    assert result.requires_action is True
    assert result.client_secret.startswith("pi_")
    assert result.membership.status == Membership.Status.INCOMPLETE
    assert not viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=None)
    since = len(stripe_peer.state.events)
    stripe_peer.helper(f"/_peer/payment_intents/{result.client_secret.split('_secret_')[0]}/authenticate")
    _deliver(client, webhook_endpoint, stripe_peer, since=since)

    membership = Membership.objects.get(pk=result.membership.pk)
    assert membership.status == Membership.Status.ACTIVE
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == -630
    _ledger_balanced()


def test_trial_once_per_creator_then_first_charge_at_its_end(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    tier = _tier(creator, monthly=500, trial_days=7)
    viewer = _viewer_with_card()

    membership = svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership

    assert membership.status == Membership.Status.TRIALING
    assert membership.current_period_end - membership.current_period_start == timedelta(days=7)
    assert JournalEntry.objects.count() == 0
    assert MembershipTrial.objects.filter(viewer=viewer, creator=creator).count() == 1
    since = _advance(stripe_peer, membership)
    _deliver(client, webhook_endpoint, stripe_peer, since=since)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert Payment.objects.get().amount == 500
    # Cancelled and joined again: no second trial.
    svc.membership_cancel(membership_id=membership.pk, by=viewer)
    since = _advance(stripe_peer, membership)
    _deliver(client, webhook_endpoint, stripe_peer, since=since)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.CANCELED
    again = svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership
    assert again.status == Membership.Status.ACTIVE
    assert Payment.objects.count() == 2
    _ledger_balanced()


def test_renewal_paid_posts_a_payment_and_tells_the_member(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    tier = _tier(creator, monthly=1000)
    viewer = _viewer_with_card()
    membership = svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership
    first_end = membership.current_period_end

    since = _advance(stripe_peer, membership)
    events = _deliver(client, webhook_endpoint, stripe_peer, since=since)
    _deliver(client, webhook_endpoint, stripe_peer, since=since)  # every event again: nothing more

    membership.refresh_from_db()
    assert "invoice.paid" in [event["type"] for event in events]
    assert membership.status == Membership.Status.ACTIVE
    assert membership.current_period_start == first_end
    assert Payment.objects.filter(purpose_ref=str(membership.pk)).count() == 2
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == -1800
    assert Notification.objects.filter(recipient=viewer, kind="membership_renewed").count() == 1
    _ledger_balanced()


def test_failed_renewal_grace_then_access_ends(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    tier = _tier(creator, monthly=1000)
    viewer = _viewer_with_card()
    membership = svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership

    since = _advance(stripe_peer, membership, card="pm_card_chargeDeclined")
    _deliver(client, webhook_endpoint, stripe_peer, since=since)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.PAST_DUE
    assert membership.past_due_since is not None
    assert viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=1)  # grace: still in
    assert Notification.objects.filter(recipient=viewer, kind="membership_renewal_failed").count() == 1
    assert Payment.objects.count() == 1
    # Six days on: still in grace.
    assert svc.memberships_sweep(now=timezone.now() + timedelta(days=6)).ended_after_grace == 0
    # The grace period (7 days) over: access ends and the subscription is cancelled at Stripe.
    assert svc.memberships_sweep(now=timezone.now() + timedelta(days=8), dry_run=True).ended_after_grace == 1
    result = svc.memberships_sweep(now=timezone.now() + timedelta(days=8))
    assert result.ended_after_grace == 1
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    assert stripe_peer.state.objects[membership.stripe_subscription_id]["status"] == "canceled"
    assert not viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=None)
    _deliver(client, webhook_endpoint, stripe_peer, "customer.subscription.deleted")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED  # a late event does not bring it back
    _ledger_balanced()


def test_failed_renewal_paid_later_in_grace_restores_the_membership(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    tier = _tier(creator, monthly=1000)
    viewer = _viewer_with_card()
    membership = svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership
    since = _advance(stripe_peer, membership, card="pm_card_chargeDeclined")
    _deliver(client, webhook_endpoint, stripe_peer, since=since)
    invoice_id = stripe_peer.state.objects[membership.stripe_subscription_id]["latest_invoice"]

    since = len(stripe_peer.state.events)
    client_stripe().v1.invoices.pay(invoice_id, params={"payment_method": "pm_card_visa"})  # a new card
    _deliver(client, webhook_endpoint, stripe_peer, since=since)

    membership.refresh_from_db()
    assert (membership.status, membership.past_due_since) == (Membership.Status.ACTIVE, None)
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 2
    _ledger_balanced()


def test_upgrade_is_charged_now_and_downgrade_credited_to_the_renewal(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    low, high = _tier(creator, position=1, monthly=500), _tier(creator, position=2, monthly=1500)
    viewer = _viewer_with_card()
    membership = svc.membership_join(viewer=viewer, tier=low, currency="usd").membership

    upgraded = svc.membership_change_tier(membership_id=membership.pk, by=viewer, tier=high)

    assert upgraded.tier == high
    proration = Payment.objects.exclude(amount=500).get()
    # Nearly the whole period is left: about the difference (1000), never more.
    assert 990 <= proration.amount <= 1000
    assert viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=2)

    downgraded = svc.membership_change_tier(membership_id=membership.pk, by=viewer, tier=low)
    assert downgraded.tier == low
    assert Payment.objects.count() == 2  # a downgrade charges nothing now
    assert not viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=2)
    since = _advance(stripe_peer, membership)
    _deliver(client, webhook_endpoint, stripe_peer, since=since)
    # The unused time of the higher tier (about 1000) is credited: it covers this renewal (500).
    renewal = stripe_peer.state.objects[stripe_peer.state.objects[membership.stripe_subscription_id]["latest_invoice"]]
    assert (renewal["billing_reason"], renewal["amount_due"], renewal["status"]) == ("subscription_cycle", 0, "paid")
    assert renewal["starting_balance"] < -490
    assert Payment.objects.count() == 2
    with pytest.raises(ApplicationError) as caught:
        svc.membership_change_tier(membership_id=membership.pk, by=viewer, tier=low)
    assert caught.value.code == "tier_unchanged"
    _ledger_balanced()


def test_cancel_at_period_end_resume_and_someone_elses(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    tier = _tier(creator)
    viewer = _viewer_with_card()
    membership = svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership

    with pytest.raises(ApplicationError) as caught:
        svc.membership_cancel(membership_id=membership.pk, by=UserFactory())
    assert (caught.value.code, caught.value.status_code) == ("membership_not_found", 404)
    with pytest.raises(ApplicationError) as caught:
        svc.membership_resume(membership_id=membership.pk, by=viewer)
    assert caught.value.code == "membership_not_canceling"

    canceled = svc.membership_cancel(membership_id=membership.pk, by=viewer)
    assert (canceled.status, canceled.cancel_at_period_end) == (Membership.Status.ACTIVE, True)
    resumed = svc.membership_resume(membership_id=membership.pk, by=viewer)
    assert resumed.cancel_at_period_end is False
    svc.membership_cancel(membership_id=membership.pk, by=viewer)
    # The member hears of the end within the notice days, once.
    assert svc.memberships_sweep(now=membership.current_period_end - timedelta(days=1)).ending_notices == 1
    assert svc.memberships_sweep(now=membership.current_period_end - timedelta(days=1)).ending_notices == 0
    since = _advance(stripe_peer, membership)
    _deliver(client, webhook_endpoint, stripe_peer, since=since)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.CANCELED
    assert Payment.objects.count() == 1
    with pytest.raises(ApplicationError) as caught:
        svc.membership_resume(membership_id=membership.pk, by=viewer)
    assert caught.value.code == "membership_ended"
    _ledger_balanced()


def test_tiers_limit_archive_keeps_members_and_price_change_moves_members(stripe_peer, client, webhook_endpoint):
    creator = UserFactory()
    tiers = [_tier(creator, position=p) for p in range(1, 6)]
    viewer = _viewer_with_card()
    membership = svc.membership_join(viewer=viewer, tier=tiers[0], currency="usd").membership

    with pytest.raises(ApplicationError) as caught:
        _tier(creator, position=6)
    assert (caught.value.code, caught.value.status_code) == ("tier_limit_reached", 409)
    svc.tier_archive(tier=tiers[4], by=creator)
    sixth = _tier(creator, position=6)
    assert sixth.position == 6

    with pytest.raises(ApplicationError) as caught:
        svc.tier_update(tier=tiers[0], by=UserFactory(), name="Mine")
    assert caught.value.code == "tier_not_found"
    svc.tier_update(tier=tiers[0], by=creator, prices=[svc.TierPrice("usd", 800)])
    membership.refresh_from_db()
    assert membership.price.amount == 800
    assert Notification.objects.filter(recipient=viewer, kind="membership_price_change").count() == 1
    since = _advance(stripe_peer, membership)
    _deliver(client, webhook_endpoint, stripe_peer, since=since)
    assert Payment.objects.order_by("-created_at").first().amount == 800

    svc.tier_archive(tier=tiers[0], by=creator)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE  # archiving keeps the members
    assert viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=1)
    _ledger_balanced()


def test_gift_posts_nothing_and_ends_when_it_runs_out(stripe_peer):
    creator = UserFactory()
    tier = _tier(creator, position=3)
    viewer = UserFactory()

    membership = svc.membership_gift(creator=creator, viewer=viewer, tier=tier, months=1)

    assert (membership.kind, membership.status) == (Membership.Kind.GIFT, Membership.Status.ACTIVE)
    assert viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=3)
    assert not viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=4)
    assert JournalEntry.objects.count() == 0
    with pytest.raises(ApplicationError) as caught:
        svc.membership_gift(creator=creator, viewer=viewer, tier=tier)
    assert caught.value.code == "membership_exists"
    with pytest.raises(ApplicationError) as caught:
        svc.membership_gift(creator=UserFactory(), viewer=viewer, tier=tier)
    assert caught.value.code == "tier_not_found"
    assert svc.memberships_sweep(now=timezone.now() + timedelta(days=31)).gifts_ended == 1
    assert not viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=None)


def test_the_sweep_command_dry_run_changes_nothing(stripe_peer):
    from io import StringIO

    from django.core.management import call_command

    creator = UserFactory()
    tier = _tier(creator)
    gift = svc.membership_gift(creator=creator, viewer=UserFactory(), tier=tier, months=1)
    Membership.objects.filter(pk=gift.pk).update(current_period_end=timezone.now() - timedelta(minutes=1))
    out = StringIO()

    call_command("memberships_sweep", "--dry-run", stdout=out)

    assert out.getvalue().strip() == (
        "would end 0 after the grace period, 1 gifts and 0 joins left incomplete; 0 ending notices to send"
    )
    assert Membership.objects.get(pk=gift.pk).status == Membership.Status.ACTIVE
    call_command("memberships_sweep", stdout=StringIO())
    assert Membership.objects.get(pk=gift.pk).status == Membership.Status.ENDED
