"""seed_demo: paid, refunded and disputed payments, a consistent ledger, once."""

import io

import pytest
from django.core.management import call_command

from billing.models import Dispute, Membership, MembershipTier, Payment
from billing.selectors import balances_from_lines
from billing.services.reconcile import ledger_balances_check

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_paid_refunded_and_disputed_payments_and_a_consistent_ledger(settings, tmp_path):
    settings.DEBUG = True
    settings.STRIPE_PEER_STATE_FILE = tmp_path / "peer.json"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # no peer running: seed_demo starts its own

    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    billing_demo = Payment.objects.filter(idempotency_key__startswith="demo:")
    assert dict(billing_demo.values_list("idempotency_key", "status")) == {
        "demo:tip:paid": "succeeded",
        "demo:membership:refunded": "refunded",
        "demo:tip:disputed": "disputed",
        "demo:tip:paid-out": "succeeded",
    }
    # Tips on the demo stream (streaming's demo), paid through the same path.
    from streaming.models import StreamTip

    assert sorted(StreamTip.objects.values_list("amount", "status")) == [
        (500, "succeeded"),
        (1000, "succeeded"),
        (2000, "succeeded"),
    ]
    # Every demo payment by purpose: billing's three tips, the stream's three; the refunded
    # membership and the Gold member's join and renewal; ads' demo top-up.
    by_purpose = {}
    for purpose in Payment.objects.values_list("purpose", flat=True):
        by_purpose[purpose] = by_purpose.get(purpose, 0) + 1
    assert by_purpose == {"tip": 6, "membership": 3, "ad_topup": 1}
    # One paid payout, with its transfer, checked and approved by two people.
    from billing.models import Payout

    payout = Payout.objects.get()
    assert payout.status == "paid"
    assert payout.stripe_transfer_id.startswith("tr_")
    assert payout.checked_by != payout.approved_by
    assert Dispute.objects.get().status == "needs_response"
    # Memberships: two tiers; the fan a Gold member whose join and one renewal were paid; a gift.
    fan = Membership.objects.get(viewer__email="viewer@fanfare.local")
    assert (fan.tier.name, fan.kind, fan.status) == ("Gold", "paid", "active")
    renewals = Payment.objects.filter(purpose="membership", purpose_ref=str(fan.pk))
    assert sorted(renewals.values_list("amount", "status")) == [(999, "succeeded"), (999, "succeeded")]
    assert list(MembershipTier.objects.order_by("position").values_list("name", flat=True)) == ["Supporter", "Gold"]
    gift = Membership.objects.get(viewer__email="moderator@fanfare.local")
    assert (gift.kind, gift.tier.name) == ("gift", "Supporter")
    assert sum(balances_from_lines().values()) == 0
    assert ledger_balances_check()[0] == []
    assert "demo payments seeded before" in out.getvalue()
    # The peer's state was kept for the peer `make run` starts next.
    state = (tmp_path / "peer.json").read_text()
    assert Payment.objects.get(idempotency_key="demo:tip:paid").stripe_payment_intent_id in state
