"""The decisions' per-process copy of the live campaigns: every change is seen by the next decision.

Each test first makes a decision (so the process holds a copy), then changes something the way
the product does (a service, the writer, a moderator, another connection), and checks that the
very next decision sees it: no test waits for ``ADS_LIVE_CACHE_SECONDS`` to pass.
"""

import random
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from ads.models import Ad, AdEventBuffer, AdSpendItem, Campaign, CampaignSpendDay
from ads.services import campaigns
from ads.services.decisions import decision_make
from ads.services.live import live_state, live_version
from ads.services.writer import events_write_all
from tests.ads import helpers as h

pytestmark = pytest.mark.django_db


def _served(v=None):
    decision = decision_make(viewer=v or h.viewer(), explain=True, rng=random.Random(0))
    return decision.ad, decision.campaign_reasons, decision.reason


@pytest.fixture(autouse=True)
def _long_cache(settings):
    settings.ADS_LIVE_CACHE_SECONDS = 3600  # only the version key may make a change visible


def test_a_pause_and_a_resume_are_seen_by_the_next_decision():
    campaign = h.live_campaign()
    assert _served()[0] is not None
    campaigns.campaign_pause(campaign=campaign)
    assert _served()[0] is None
    campaigns.campaign_resume(campaign=campaign)
    assert _served()[0].campaign_id == campaign.pk


def test_an_approval_is_seen_by_the_next_decision():
    advertiser = h.make_advertiser()
    assert _served()[2] == "no_eligible_campaign"
    campaign = h.live_campaign(advertiser)
    assert _served()[0].campaign_id == campaign.pk


def test_a_budget_and_a_targeting_edit_are_seen_by_the_next_decision():
    campaign = h.live_campaign(budget_daily=1000)
    assert _served()[0] is not None
    AdSpendItem.objects.create(batch_id=campaign.pk, campaign=campaign, day=timezone.now().date(), micros=1000 * 10**6)
    assert _served()[1][str(campaign.pk)] == "daily_cap"
    campaigns.campaign_update(campaign=Campaign.objects.get(pk=campaign.pk), data={"budget_daily": 2000})
    assert _served()[1][str(campaign.pk)] == "served"
    campaigns.campaign_update(campaign=Campaign.objects.get(pk=campaign.pk), data={"countries": ["DE"]})
    assert _served()[1][str(campaign.pk)] == "targeting_country"


def test_an_ad_taken_out_of_rotation_and_a_weight_change_are_seen_by_the_next_decision():
    campaign = h.live_campaign(ads=2)
    first, second = list(campaign.ads.order_by("id"))
    assert _served()[0] is not None
    campaigns.ad_update(ad=first, data={"weight": 100})
    assert _served()[0].pk == first.pk
    assert live_state(timezone.now()).ads[campaign.pk] == [(first.pk, "image", 100), (second.pk, "image", 1)]
    campaigns.ad_moderate(ad=first, active=False)
    assert _served()[0].pk == second.pk
    campaigns.ad_moderate(ad=second, active=False)
    assert _served()[0] is None


def test_the_writers_spend_is_seen_by_the_next_decision(settings):
    settings.ADS_MAX_EVENTS_PER_MINUTE = 1000
    campaign = h.live_campaign(budget_daily=100, bid_amount=50_000)  # 50 minor units an impression
    for seed in range(2):
        c = h.client(ip=f"198.51.100.{seed + 1}")
        h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=seed).token, c)
    assert _served()[0] is not None  # nothing written yet
    events_write_all()
    assert CampaignSpendDay.objects.get(campaign=campaign).micros == 100 * 10**6
    assert _served()[1][str(campaign.pk)] == "daily_cap"


def test_the_cache_is_reused_while_nothing_changes():
    h.live_campaign()
    _served()
    state = live_state(timezone.now())
    _served()
    assert live_state(timezone.now()) is state
    AdEventBuffer.objects.all().delete()  # not something decisions read: the key stays
    assert live_state(timezone.now()) is state


def test_the_spend_rollup_follows_every_insert_delete_and_edit_of_spend_items():
    campaign = h.live_campaign()
    today = timezone.now().date()
    first = AdSpendItem.objects.create(batch_id=campaign.pk, campaign=campaign, day=today, micros=700)
    AdSpendItem.objects.create(batch_id=first.pk, campaign=campaign, day=today, micros=300)
    assert CampaignSpendDay.objects.get(campaign=campaign, day=today).micros == 1000
    AdSpendItem.objects.filter(pk=first.pk).update(micros=500)
    assert CampaignSpendDay.objects.get(campaign=campaign, day=today).micros == 800
    AdSpendItem.objects.filter(pk=first.pk).update(day=today - timezone.timedelta(days=1))
    assert CampaignSpendDay.objects.get(campaign=campaign, day=today).micros == 300
    assert CampaignSpendDay.objects.get(campaign=campaign, day=today - timezone.timedelta(days=1)).micros == 500
    AdSpendItem.objects.filter(pk=first.pk).delete()
    assert CampaignSpendDay.objects.get(campaign=campaign, day=today - timezone.timedelta(days=1)).micros == 0
    AdSpendItem.objects.filter(posted_at__isnull=True).update(posted_at=timezone.now())  # posting: no change
    assert CampaignSpendDay.objects.get(campaign=campaign, day=today).micros == 300


@pytest.mark.django_db(transaction=True)
def test_changes_committed_by_other_connections_change_the_key_without_waiting_for_each_other():
    """Two transactions change campaigns at once: neither waits on the version key (each takes
    a row no other holds), and once both commit the key is one this process never saw."""
    first, second = h.live_campaign(), h.live_campaign()
    assert _served()[0].campaign_id in {first.pk, second.pk}
    before = live_version()
    holding, release, done = threading.Event(), threading.Event(), []

    def change(campaign_id, *, hold: bool):
        try:
            with transaction.atomic():
                Campaign.objects.filter(pk=campaign_id).update(name="changed")
                if hold:
                    holding.set()
                    assert release.wait(30)
            done.append(campaign_id)
        finally:
            connections.close_all()

    holder = threading.Thread(target=change, args=(first.pk,), kwargs={"hold": True})
    holder.start()
    assert holding.wait(30)
    other = threading.Thread(target=change, args=(second.pk,), kwargs={"hold": False})
    other.start()
    other.join(30)
    assert done == [second.pk]  # it did not wait for the open transaction's row
    middle = live_version()
    assert middle != before
    release.set()
    holder.join(30)
    assert done == [second.pk, first.pk]
    after = live_version()
    assert after not in (before, middle)
    # a pause committed by another connection is seen by this process's next decision
    assert _served()[0] is not None

    def pause():
        try:
            campaigns.campaign_pause(campaign=Campaign.objects.get(pk=first.pk))
            campaigns.campaign_pause(campaign=Campaign.objects.get(pk=second.pk))
        finally:
            connections.close_all()

    thread = threading.Thread(target=pause)
    thread.start()
    thread.join(30)
    assert _served()[0] is None
    connection.close()


def test_fill_counts_are_buffered_once_per_interval_not_per_decision(settings):
    from ads.selectors import fill_rate

    settings.ADS_FILL_FLUSH_SECONDS = 3600
    h.live_campaign()
    for _ in range(5):
        decision_make(viewer=h.viewer())
    decision_make(viewer=h.viewer(placement="preroll"))
    assert AdEventBuffer.objects.filter(kind="decision").count() == 0  # nothing written per decision
    events_write_all()  # the writer flushes this process's counts first
    assert fill_rate(since=timezone.now().date()) == {"requests": 6, "filled": 5, "fill_rate": 0.8333}
    settings.ADS_FILL_FLUSH_SECONDS = 0
    decision_make(viewer=h.viewer())
    assert list(AdEventBuffer.objects.filter(kind="decision").values_list("payload", flat=True)) == [
        {"p": "feed", "d": str(timezone.now().date()), "n": 1, "f": 1}
    ]


def test_a_decision_reads_only_the_version_key_once_the_state_is_loaded_whichever_ad_it_serves():
    # given: two campaigns of three ads each, and a first decision that loaded the state
    from django.test.utils import CaptureQueriesContext

    from ads.api.views import _served as answer

    for _ in range(2):
        h.live_campaign(ads=3)
    assert _served()[0] is not None

    # when: decisions serve every one of the six ads, most for the first time
    served = {}
    for seed in range(200):
        with CaptureQueriesContext(connection) as queries:
            decision = decision_make(viewer=h.viewer(), rng=random.Random(seed))
            served[decision.ad.pk] = (answer(decision.ad), decision.ad.campaign.advertiser.user_id)
        # then: each read the version key and nothing else (an ad served for the first time was a query)
        assert [q["sql"] for q in queries] == ["SELECT array_agg(version ORDER BY id) FROM ads_liveversion"]
    assert len(served) == 6
    # and each answer is the ad as the database has it
    for ad in Ad.objects.select_related("campaign__advertiser"):
        data, advertiser_user = served[ad.pk]
        assert data["headline"] == ad.headline
        assert data["advertiser"] == ad.campaign.advertiser.name
        assert data["destination_host"] == "shop.example.com"
        assert data["format"] == ad.format
        assert advertiser_user == ad.campaign.advertiser.user_id
