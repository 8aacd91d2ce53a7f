"""Reports, the A/B verdict, and the operators' commands."""

import datetime as dt
import gzip
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ads import selectors
from ads.models import AdDailyStat, AdImpression
from ads.selectors import _two_proportion_confidence
from core.bulk import copy_insert
from tests.ads import helpers as h

pytestmark = pytest.mark.django_db


def _stat(campaign, ad, *, imps, clicks, conversions=0, day=None, country="FR", placement="feed"):
    return AdDailyStat.objects.create(
        day=day or timezone.now().date(),
        campaign=campaign,
        ad=ad,
        country=country,
        placement=placement,
        impressions=imps,
        viewable=imps,
        billable_impressions=imps,
        clicks=clicks,
        conversions=conversions,
        spend_micros=imps * 2_000_000,
    )


def test_the_report_groups_by_country_and_computes_rates():
    campaign = h.live_campaign()
    ad = campaign.ads.get()
    _stat(campaign, ad, imps=1000, clicks=20)
    _stat(campaign, ad, imps=500, clicks=5, country="DE")
    rows = selectors.campaign_report(campaign=campaign, by="country")
    assert rows == [
        {
            "country": "DE",
            "impressions": 500,
            "viewable": 500,
            "billable_impressions": 500,
            "invalid_impressions": 0,
            "clicks": 5,
            "invalid_clicks": 0,
            "conversions": 0,
            "viewable_rate": 1.0,
            "ctr": 0.01,
            "spend": 1000.0,
            "ecpm": 2000.0,
            "ecpc": 200.0,
        },
        {
            "country": "FR",
            "impressions": 1000,
            "viewable": 1000,
            "billable_impressions": 1000,
            "invalid_impressions": 0,
            "clicks": 20,
            "invalid_clicks": 0,
            "conversions": 0,
            "viewable_rate": 1.0,
            "ctr": 0.02,
            "spend": 2000.0,
            "ecpm": 2000.0,
            "ecpc": 100.0,
        },
    ]


def test_the_ab_verdict_names_a_winner_only_with_confidence():
    campaign = h.live_campaign(ads=2)
    a, b = list(campaign.ads.order_by("id"))
    _stat(campaign, a, imps=60, clicks=6)
    _stat(campaign, b, imps=60, clicks=1)
    early = selectors.ab_verdict(campaign=campaign)
    assert (early.status, early.winner) == ("too_early", None)  # under 100 impressions each

    AdDailyStat.objects.all().delete()
    _stat(campaign, a, imps=5000, clicks=150)  # 3.0%
    _stat(campaign, b, imps=5000, clicks=100)  # 2.0%
    verdict = selectors.ab_verdict(campaign=campaign)
    assert (verdict.status, verdict.metric, verdict.winner) == ("winner", "ctr", str(a.pk))
    assert verdict.confidence == 0.9986

    AdDailyStat.objects.all().delete()
    _stat(campaign, a, imps=5000, clicks=105)
    _stat(campaign, b, imps=5000, clicks=100)
    close = selectors.ab_verdict(campaign=campaign)
    assert (close.status, close.winner) == ("too_early", None)
    assert close.confidence == 0.2758


def test_the_confidence_is_a_two_proportion_z_test():
    assert _two_proportion_confidence(150, 5000, 100, 5000) == pytest.approx(0.998638, abs=1e-6)
    assert _two_proportion_confidence(0, 0, 1, 10) == 0.0


def test_ads_rollup_recomputes_a_day_and_running_it_twice_changes_nothing():
    h.live_campaign()
    c = h.client()
    h.view(h.offer(h.viewer(viewer_key=c.viewer_key)).token, c)
    from ads.services.writer import events_write_all

    events_write_all()
    out = StringIO()
    call_command("ads_rollup", "--days", "1", stdout=out)
    call_command("ads_rollup", "--days", "1", stdout=out)
    assert out.getvalue().count("1 rows") == 2
    row = AdDailyStat.objects.get()
    assert (row.impressions, row.billable_impressions, row.spend_micros) == (1, 1, 2_000_000)
    dry = StringIO()
    call_command("ads_rollup", "--dry-run", stdout=dry)
    assert "would roll up" in dry.getvalue()


def test_ads_archive_writes_old_partitions_to_csv_and_drops_them(settings, tmp_path):
    settings.ADS_ARCHIVE_ROOT = str(tmp_path)
    campaign = h.live_campaign()
    old = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE ads_adimpression_test_old PARTITION OF ads_adimpression "
            "FOR VALUES FROM ('2025-01-10 00:00+00') TO ('2025-01-11 00:00+00')"
        )
    ad = campaign.ads.get()
    copy_insert(
        AdImpression,
        [
            AdImpression(
                created_at=old,
                event_at=old,
                offer_id=uuid.uuid4(),
                campaign_id=campaign.pk,
                ad_id=ad.pk,
                advertiser_id=campaign.advertiser_id,
                viewer_key="anon:x",
                placement="feed",
                billable=True,
                viewable=True,
                batch_id=uuid.uuid4(),
                cost_micros=5,
            )
        ],
    )

    out = StringIO()
    call_command("ads_archive", "--older-than", "30", "--dry-run", stdout=out)
    assert "would archive ads_adimpression_test_old (2025-01-10, 1 rows)" in out.getvalue()
    assert AdImpression.objects.count() == 1

    call_command("ads_archive", "--older-than", "30", stdout=StringIO())
    assert AdImpression.objects.count() == 0
    with gzip.open(tmp_path / "ads_adimpression" / "2025-01-10.csv.gz", "rt") as archive:
        archived = archive.read().splitlines()
    assert len(archived) == 2
    assert archived[0].startswith("id,created_at")
    assert AdDailyStat.objects.get(day=dt.date(2025, 1, 10)).billable_impressions == 1
