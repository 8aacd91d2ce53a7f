"""A creator's earnings through the API (GET /api/v1/billing/earnings/), from a tip paid through
the local Stripe peer: the creator's share pending, revenue by source, payouts, Connect status."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from billing.models import ConnectAccount, Payout
from streaming.services.tips import tip_create
from tests.billing.conftest import stripe_peer  # noqa: F401 (fixture)
from tests.streaming.helpers import make_stream, verified_user

pytestmark = pytest.mark.django_db


def test_a_creator_sees_a_tip_pending_revenue_by_source_and_payouts(stripe_peer):  # noqa: F811
    creator, fan = verified_user(), verified_user()
    tip_create(stream=make_stream(creator), user=fan, amount=1000, currency="usd", payment_method="pm_card_visa")
    payout = Payout.objects.create(
        creator=creator, currency="usd", period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 7),
        amount=2500, withholding=0, net=2500, status="paid",
    )  # fmt: skip
    ConnectAccount.objects.create(user=creator, stripe_account_id="acct_earnings1", status="enabled",
                                  payouts_enabled=True)  # fmt: skip
    api = APIClient()
    api.force_authenticate(creator)

    body = api.get("/api/v1/billing/earnings/").json()

    # $10.00 tip: fee 0.59, the creator's 95% of the rest is 8.93, pending for the hold period.
    assert body["balances"] == [{"currency": "usd", "available": 0, "pending": 893, "held": 0}]
    assert body["revenue"] == [{"source": "tip", "currency": "usd", "amount": 893}]
    assert [(p["id"], p["status"], p["net"]) for p in body["payouts"]] == [(str(payout.pk), "paid", 2500)]
    assert body["connect"] == {"status": "enabled", "payouts_enabled": True, "requirements_due": []}


def test_someone_without_earnings_gets_empty_figures_and_anonymous_401(stripe_peer):  # noqa: F811
    api = APIClient()
    assert api.get("/api/v1/billing/earnings/").status_code == 401
    api.force_authenticate(verified_user())

    body = api.get("/api/v1/billing/earnings/").json()

    assert (body["balances"], body["revenue"], body["payouts"], body["connect"]) == ([], [], [], None)
