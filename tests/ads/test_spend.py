"""Spend on the ledger: entries per batch, the creator's share, budget and balance caps, races."""

import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from ads.models import AdSpendItem, Campaign
from ads.services.spend import spend_post
from ads.services.writer import events_write_all
from billing import chart
from billing.selectors import balance_of, balances_from_lines
from tests.ads import helpers as h
from tests.clients import verified_client
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("writer_path")]


def _balance(name: str) -> int:
    return balance_of(account=name, currency="usd")


def _item(campaign, micros, creator=None):
    return AdSpendItem.objects.create(
        batch_id=uuid.uuid4(), campaign=campaign, creator_id=creator, day=timezone.now().date(), micros=micros
    )


def test_spend_on_a_creators_video_shares_revenue_to_their_pending_earnings(settings):
    settings.ADS_CREATOR_SHARE_BPS = 5500
    campaign = h.live_campaign(bid_model="cpm", bid_amount=3333)  # 3.333 minor units per impression
    creator = UserFactory()
    c = h.client()
    v = h.viewer(viewer_key=c.viewer_key, creator_id=creator.pk)
    for seed in range(3):
        h.view(h.offer(v, seed=seed).token, c)
    events_write_all()

    assert spend_post() == 9  # 3 x 3.333 = 9.999 -> 9, the 0.999 carried
    advertiser = campaign.advertiser.user_id
    assert _balance(chart.advertiser_prepaid(advertiser)) == -100_000 + 9
    assert _balance(chart.creator(creator.pk, "pending")) == -4  # 55% of 9 = 4.95 -> 4
    assert _balance(chart.revenue("ads")) == -5
    campaign.refresh_from_db()
    assert (campaign.spent, campaign.spent_micros) == (9, 9_999_000)
    # The carried remainder is charged when the next batch completes a unit.
    _item(campaign, 1000)
    assert spend_post() == 1
    assert all(
        balance == total
        for (name, cur), total in balances_from_lines().items()
        for balance in [balance_of(account=name, currency=cur)]
    )


def test_a_campaign_never_spends_past_its_budget_and_completes():
    campaign = h.live_campaign(budget_total=1500)
    _item(campaign, 1000 * 10**6)
    _item(campaign, 1000 * 10**6)  # the batch that crosses the budget: only 500 of it is charged
    assert spend_post() == 1500
    campaign.refresh_from_db()
    assert (campaign.spent, campaign.status, campaign.completed_reason) == (1500, "completed", "budget_spent")
    assert list(AdSpendItem.objects.order_by("created_at").values_list("charged", flat=True)) == [1000, 500]


def test_a_balance_never_goes_below_zero_and_the_campaign_completes():
    campaign = h.live_campaign(h.make_advertiser(balance=1200), budget_total=50_000)
    _item(campaign, 1000 * 10**6)
    _item(campaign, 1000 * 10**6)
    assert spend_post() == 1200
    assert _balance(chart.advertiser_prepaid(campaign.advertiser.user_id)) == 0
    campaign.refresh_from_db()
    assert (campaign.status, campaign.completed_reason) == ("completed", "balance_empty")


def test_posting_twice_posts_once():
    campaign = h.live_campaign()
    item = _item(campaign, 700 * 10**6)
    assert spend_post() == 700
    assert spend_post() == 0
    from ads.services.spend import spend_item_post

    assert spend_item_post(item_id=item.pk) == 0
    assert _balance(chart.revenue("ads")) == -700


@pytest.mark.django_db(transaction=True)
def test_concurrent_spend_batches_never_overdraw_the_balance():
    # given: one advertiser with 5,000 and two campaigns whose waiting batches owe 12,000
    advertiser = h.make_advertiser(balance=5000)
    first = h.live_campaign(advertiser, budget_total=20_000)
    second = h.live_campaign(advertiser, budget_total=20_000)
    for index in range(24):
        _item(first if index % 2 else second, 500 * 10**6)
    errors = []

    def poster():
        try:
            spend_post()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    # when: four posters race over the same items and the same balance
    threads = [threading.Thread(target=poster) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: exactly the balance was charged, never more, each item once
    assert errors == []
    assert _balance(chart.advertiser_prepaid(advertiser.user_id)) == 0
    assert _balance(chart.revenue("ads")) == -5000
    assert sum(AdSpendItem.objects.values_list("charged", flat=True)) == 5000
    assert AdSpendItem.objects.filter(posted_at__isnull=True).count() == 0
    assert set(Campaign.objects.values_list("status", flat=True)) == {"completed"}


@pytest.mark.django_db(transaction=True)
def test_budget_exhaustion_under_concurrent_events():
    # given: a CPM campaign whose budget buys 20 impressions, and far more viewers than that
    campaign = h.live_campaign(budget_total=2000, bid_amount=100_000)  # 100 minor units per impression
    offers = []
    for index in range(40):
        c = h.client(ip=f"198.51.100.{index + 1}")
        offers.append((h.offer(h.viewer(viewer_key=c.viewer_key), seed=index).token, c))
    errors = []

    def beacons(chunk):
        try:
            for token, c in chunk:
                h.view(token, c)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    def writer_and_poster():
        try:
            for _ in range(20):
                events_write_all(limit=7)
                spend_post()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    # when: beacons arrive on four threads while the writer and spend poster run on two more
    threads = [threading.Thread(target=beacons, args=(offers[i::4],)) for i in range(4)]
    threads += [threading.Thread(target=writer_and_poster) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events_write_all()
    spend_post()

    # then: 40 billable impressions were delivered, exactly the budget was charged, never more
    assert errors == []
    campaign.refresh_from_db()
    assert campaign.spent == 2000
    assert campaign.status == "completed"
    assert _balance(chart.advertiser_prepaid(campaign.advertiser.user_id)) == -100_000 + 2000
    assert _balance(chart.revenue("ads")) == -2000


def test_the_creators_share_is_the_ads_source_of_their_earnings(settings):
    """Billing's earnings page, revenue CSV and statement show the share as ``ads`` revenue; the
    advertiser's and the platform's lines of the same entry are not the creator's revenue."""
    import csv
    import io

    from billing.selectors import creator_revenue_by_day, creator_statement_rows

    settings.ADS_CREATOR_SHARE_BPS = 5500
    campaign = h.live_campaign()
    creator = UserFactory()
    _item(campaign, 1000 * 10**6, creator=creator.pk)  # 1,000 minor units of spend, 550 to the creator
    assert spend_post() == 1000

    today = timezone.now().date()
    assert creator_revenue_by_day(user=creator) == [(today, "ads", "usd", 550)]
    assert [(r["source"], r["bucket"], r["amount"]) for r in creator_statement_rows(user=creator, year=today.year)] == [
        ("ads", "pending", 550)
    ]
    assert creator_revenue_by_day(user=campaign.advertiser.user) == []

    client = verified_client(creator)
    page = client.get("/studio/earnings/")
    assert page.status_code == 200
    ads = page.context["chart"]["data"]["series"][2]
    assert (ads["name"], sum(ads["values"])) == ("Ads", 5.5)
    assert ("Ads", "5.50 USD") in page.context["totals"]
    revenue = list(csv.reader(io.StringIO(client.get("/studio/earnings/revenue.csv").content.decode())))
    assert revenue[1:] == [[today.isoformat(), "ads", "usd", "550"]]
