"""Demo payments for ``manage.py seed_demo``: a paid tip, a refunded membership, a disputed tip;
and memberships: the demo creator's tiers (Supporter, Gold), the demo fan a paying Gold member
with one renewal (two paid membership payments in the ledger), a gifted membership;
and one paid payout to the creator (Connect onboarding, the run, two approvals, the transfer).

They are made through the real services against the local Stripe peer. When no peer answers
(``make run`` starts it after seeding), a short-lived one is started here on the peer's state
file, so the peer ``make run`` starts next knows these payments (refunds from the admin work).
With a real Stripe key (STRIPE_SECRET_KEY) nothing is charged: the billing demo is skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import requests
from django.conf import settings

from accounts import selectors as account_selectors
from billing.models import MembershipTier, MembershipTrial, Payment
from billing.money import format_amount
from billing.selectors import balances_from_lines
from billing.services import memberships
from billing.services.customers import payment_method_save
from billing.services.payments import payment_create, payment_sync
from billing.services.refunds import refund_create
from billing.stripe_api import api_base_override, client

FAN_EMAIL = "viewer@fanfare.local"
CREATOR_EMAIL = "creator@fanfare.local"


def _answers(url: str) -> bool:
    try:
        response = requests.get(
            f"{url}/v1/account", headers={"Authorization": f"Bearer {settings.STRIPE_SECRET_KEY}"}, timeout=1
        )
    except requests.RequestException:
        return False
    return response.status_code == 200


@contextlib.contextmanager
def demo_peer() -> Iterator[str]:
    """The running local peer, or a short-lived one on its state file (streaming's tip demo uses it too)."""
    with _peer() as url:
        yield url


@contextlib.contextmanager
def _peer() -> Iterator[str]:
    url = settings.STRIPE_API_BASE
    if url and _answers(url):
        yield url
        return
    from billing.stripe_peer import running_peer

    with running_peer(state_path=settings.STRIPE_PEER_STATE_FILE) as (own_url, _server), api_base_override(own_url):
        yield own_url


MODERATOR_EMAIL = "moderator@fanfare.local"


def seed(*, report) -> None:
    fan = account_selectors.user_by_email(email=FAN_EMAIL)
    creator = account_selectors.user_by_email(email=CREATOR_EMAIL)
    if fan is None or creator is None:
        report("billing: no demo fan or creator, skipped")
        return
    if not settings.STRIPE_USES_PEER:
        report("billing: STRIPE_SECRET_KEY is set, skipped (the demo would charge a real Stripe account)")
        return
    payments_done = Payment.objects.filter(idempotency_key__startswith="demo:").exists()
    members_done = MembershipTier.objects.filter(creator=creator).exists()
    if payments_done and members_done:
        report("billing   demo payments seeded before")
        return
    with _peer() as url:
        payout = None
        if not payments_done:
            _seed_payments(fan=fan, creator=creator, url=url, report=report)
        if not members_done:
            report(f"billing   memberships: {_seed_memberships(fan=fan, creator=creator, url=url)}")
        if not payments_done:
            payout = _seed_payout(url=url, creator=creator, fan=fan, report=report)
    total = sum(balances_from_lines().values())
    report(f"billing   ledger lines sum to {total}")
    if payout is not None:
        amount = format_amount(payout.amount, payout.currency)
        report(f"payout    {amount} {payout.status}, transfer {payout.stripe_transfer_id}")


def _seed_payments(*, fan, creator, url: str, report) -> None:
    paid = payment_create(
        payer=fan, beneficiary=creator, purpose=Payment.Purpose.TIP, amount=500, currency="usd",
        idempotency_key="demo:tip:paid", description="Great stream!", payment_method_id="pm_card_visa",
    )  # fmt: skip
    refunded = payment_create(
        payer=fan, beneficiary=creator, purpose=Payment.Purpose.MEMBERSHIP, amount=999, currency="usd",
        idempotency_key="demo:membership:refunded", description="Gold membership, one month",
        payment_method_id="pm_card_visa",
    )  # fmt: skip
    refund_create(payment=refunded, reason="Demo: joined by mistake")
    disputed = payment_create(
        payer=fan, beneficiary=creator, purpose=Payment.Purpose.TIP, amount=2500, currency="usd",
        idempotency_key="demo:tip:disputed", description="Tip during the Q&A", payment_method_id="pm_card_visa",
    )  # fmt: skip
    response = requests.post(
        f"{url}/_peer/disputes", data={"payment_intent": disputed.stripe_payment_intent_id}, timeout=10
    )
    response.raise_for_status()
    payment_sync(payment_intent_id=disputed.stripe_payment_intent_id)
    report(f"billing   tip {paid.status}, membership refunded, tip disputed")


def _seed_memberships(*, fan, creator, url: str) -> str:
    """Two tiers; the fan a paying Gold member renewed once (two membership payments posted);
    the demo moderator a gifted Supporter (nothing posted)."""
    supporter = memberships.tier_create(
        creator=creator, name="Supporter", position=1, description="Say thanks every month.",
        benefits=["Member badge in chat", "Members-only streams"], prices=[memberships.TierPrice("usd", 499, 4990)],
    )  # fmt: skip
    gold = memberships.tier_create(
        creator=creator, name="Gold", position=2, description="Everything, early.", trial_days=7,
        benefits=["Everything in Supporter", "Members-only videos"],
        prices=[memberships.TierPrice("usd", 999), memberships.TierPrice("eur", 899)],
    )  # fmt: skip
    # The fan used Gold's trial long ago: this membership is paid from the start.
    MembershipTrial.objects.get_or_create(viewer=fan, creator=creator)
    payment_method_save(user=fan, payment_method_id="pm_card_visa", make_default=True)
    membership = memberships.membership_join(viewer=fan, tier=gold, currency="usd").membership
    # One renewal, as Stripe makes it a month later (the peer's test clock), then its invoice.paid.
    requests.post(
        f"{url}/_peer/subscriptions/{membership.stripe_subscription_id}/advance", timeout=10
    ).raise_for_status()
    api = client().v1
    invoice = api.invoices.retrieve(api.subscriptions.retrieve(membership.stripe_subscription_id).latest_invoice)
    memberships.invoice_event_handle(event_type="invoice.paid", obj=invoice.to_dict())
    moderator = account_selectors.user_by_email(email=MODERATOR_EMAIL)
    if moderator is not None:
        memberships.membership_gift(creator=creator, viewer=moderator, tier=supporter, kind="gift", months=3)
    paid = Payment.objects.filter(purpose=Payment.Purpose.MEMBERSHIP, purpose_ref=str(membership.pk)).count()
    return f"Supporter and Gold; the fan is a Gold member ({paid} payments), the moderator a gifted Supporter"


def _seed_payout(*, url: str, creator, fan, report):
    """One paid payout: the creator onboarded to Connect, a week's earnings past the hold period,
    the run, checked by the admin and approved by finance (two people), the transfer sent."""
    import datetime as dt

    from django.utils import timezone

    from billing.services.connect import connect_account_get_or_create, connect_account_sync
    from billing.services.payouts import (
        earnings_release,
        payout_approve,
        payout_check,
        payout_transfer_send,
        payouts_prepare,
        period_before,
    )

    admin = account_selectors.user_by_email(email="admin@fanfare.local")
    finance = account_selectors.user_by_email(email="finance@fanfare.local")
    if admin is None or finance is None:
        report("payout: no demo admin or finance user, skipped")
        return None
    payment_create(
        payer=fan, beneficiary=creator, purpose=Payment.Purpose.TIP, amount=5000, currency="usd",
        idempotency_key="demo:tip:paid-out", description="Thanks for the tutorial", payment_method_id="pm_card_visa",
    )  # fmt: skip
    account = connect_account_get_or_create(user=creator)
    requests.post(f"{url}/_peer/accounts/{account.stripe_account_id}/state", data={"state": "enabled"}, timeout=10)
    connect_account_sync(stripe_account_id=account.stripe_account_id)
    earnings_release(now=timezone.now() + dt.timedelta(days=settings.BILLING_EARNINGS_HOLD_DAYS, hours=1))
    result = payouts_prepare(period=period_before(timezone.localdate() - dt.timedelta(days=7)))
    if not result.prepared:
        report(f"payout: nothing prepared ({result.skipped})")
        return None
    payout = payout_check(payout=result.prepared[0], by=admin)
    payout_approve(payout=payout, by=finance)
    return payout_transfer_send(payout_id=payout.pk)
