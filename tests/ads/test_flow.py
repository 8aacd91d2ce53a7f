"""The whole path once: decision, viewable view, click, writer, spend on the ledger, report."""

import pytest

from ads import selectors
from ads.models import AdClick, AdEventBuffer, AdImpression, AdSpendItem
from ads.services.rollup import stats_rollup
from ads.services.spend import spend_post
from ads.services.writer import events_write_all
from billing import chart
from billing.selectors import balance_of
from tests.ads import helpers as h

pytestmark = pytest.mark.django_db


def test_a_viewable_view_and_a_click_are_written_billed_and_reported():
    campaign = h.live_campaign(bid_model="cpc", bid_amount=150)
    c = h.client()
    v = h.viewer(viewer_key=c.viewer_key)
    decision = h.offer(v)

    h.view(decision.token, c, ratio=0.6, ms=1200)
    target = h.click(decision.token, c)
    written = events_write_all()

    assert written == 3  # decision, view, click
    assert AdEventBuffer.objects.count() == 0
    impression = AdImpression.objects.get()
    assert (impression.viewable, impression.billable, impression.invalid_reason, impression.cost_micros) == (
        True,
        True,
        "",
        0,
    )
    assert impression.ip == "203.0.113.0"
    clicked = AdClick.objects.get()
    assert (clicked.billable, clicked.cost_micros) == (True, 150_000_000)
    assert target == f"https://shop.example.com/sale?fanfare_click_id={clicked.id}"

    assert spend_post() == 150
    assert balance_of(account=chart.advertiser_prepaid(campaign.advertiser.user_id), currency="usd") == -100_000 + 150
    assert balance_of(account=chart.revenue("ads"), currency="usd") == -150
    assert AdSpendItem.objects.get().charged == 150

    stats_rollup(day=impression.created_at.date())
    [row] = selectors.campaign_report(campaign=campaign, by="day")
    assert (row["impressions"], row["billable_impressions"], row["clicks"], row["ctr"], row["spend"], row["ecpc"]) == (
        1,
        1,
        1,
        1.0,
        150.0,
        150.0,
    )
