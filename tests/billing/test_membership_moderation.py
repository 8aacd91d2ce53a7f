"""A creator suspended or banned: their memberships paused (Stripe stops collecting) or cancelled
with a prorated refund of the current period; lifting resumes the paused ones only."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.services.moderation import moderation_action_lift, user_ban, user_suspend
from billing import chart
from billing.models import Membership, Payment, Refund
from billing.selectors import balance_of, balances_from_lines, viewer_has_tier
from billing.services import memberships as svc
from billing.services.customers import payment_method_save
from billing.services.membership_moderation import refund_due
from notifications.models import Notification
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return with_role(UserFactory(), "moderator")


def _member(tier):
    viewer = UserFactory()
    payment_method_save(user=viewer, payment_method_id="pm_card_visa", make_default=True)
    return svc.membership_join(viewer=viewer, tier=tier, currency="usd").membership


def _balanced():
    totals = {}
    for (_name, currency), amount in balances_from_lines().items():
        totals[currency] = totals.get(currency, 0) + amount
    assert set(totals.values()) <= {0}


def test_a_suspension_pauses_collection_and_lifting_resumes(stripe_peer, moderator, django_capture_on_commit_callbacks):
    creator = UserFactory()
    tier = svc.tier_create(creator=creator, name="Fans", position=1, prices=[svc.TierPrice("usd", 1000)])
    paid = _member(tier)
    gift = svc.membership_gift(creator=creator, viewer=UserFactory(), tier=tier, months=2)

    with django_capture_on_commit_callbacks(execute=True):
        action = user_suspend(user=creator, by=moderator, reason="spam", until=timezone.now() + dt.timedelta(days=3))

    for membership in (paid, gift):
        membership.refresh_from_db()
        assert (membership.status, membership.paused_by_moderation) == (Membership.Status.PAUSED, True)
        assert not viewer_has_tier(viewer=membership.viewer, creator_id=creator.pk, minimum_tier=None)
        assert Notification.objects.filter(recipient=membership.viewer, kind="membership_paused").count() == 1
    remote = stripe_peer.state.objects[paid.stripe_subscription_id]
    assert remote["pause_collection"] == {"behavior": "void", "resumes_at": None}
    # A renewal while paused charges nothing.
    stripe_peer.helper(f"/_peer/subscriptions/{paid.stripe_subscription_id}/advance")
    assert Payment.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        moderation_action_lift(action=action, by=moderator, reason="appeal accepted")

    for membership in (paid, gift):
        membership.refresh_from_db()
        assert (membership.status, membership.paused_by_moderation) == (Membership.Status.ACTIVE, False)
    assert stripe_peer.state.objects[paid.stripe_subscription_id]["pause_collection"] is None
    _balanced()


def test_a_ban_cancels_and_refunds_the_unused_part_of_the_period(
    stripe_peer, moderator, django_capture_on_commit_callbacks
):
    creator = UserFactory()
    tier = svc.tier_create(creator=creator, name="Fans", position=1, prices=[svc.TierPrice("usd", 1000)])
    membership = _member(tier)
    payment = Payment.objects.get()
    # The rule, checked on its own: half the period left refunds half.
    middle = membership.current_period_start + (membership.current_period_end - membership.current_period_start) / 2
    assert refund_due(membership=membership, now=middle) == (payment, 500)

    with django_capture_on_commit_callbacks(execute=True):
        action = user_ban(user=creator, by=moderator, reason="fraud")

    membership.refresh_from_db()
    assert membership.status == Membership.Status.CANCELED
    assert stripe_peer.state.objects[membership.stripe_subscription_id]["status"] == "canceled"
    refund = Refund.objects.get()
    # Almost the whole month was left: nearly all of it comes back, never more than was paid.
    assert 990 <= refund.amount <= 1000
    assert refund.status == Refund.Status.SUCCEEDED
    payment.refresh_from_db()
    assert payment.amount_refunded == refund.amount
    assert balance_of(account=chart.creator(creator.pk, "pending"), currency="usd") == -(900 - refund.amount * 9 // 10)

    with django_capture_on_commit_callbacks(execute=True):
        moderation_action_lift(action=action, by=moderator, reason="mistake")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.CANCELED  # cancelled stays cancelled
    _balanced()
