"""The writer's batch: its lookups of earlier batches in one statement, and the buffer's exact times."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ads.buffer import event_buffer
from ads.models import AdClick, AdEventBuffer, AdImpression, AdSpendItem
from ads.services.writer import events_write, events_write_all
from tests.ads import helpers as h
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("writer_path")]


def _reasons():
    return list(AdImpression.objects.order_by("event_at", "id").values_list("invalid_reason", flat=True))


def test_a_viewer_is_rate_limited_on_events_of_earlier_batches_from_other_addresses(settings):
    settings.ADS_MAX_EVENTS_PER_MINUTE = 3
    h.live_campaign()
    user = UserFactory()
    for ip in ("203.0.113.7", "198.51.100.9"):  # the same signed-in viewer from two addresses
        c = h.client(ip=ip, user=user)
        for seed in range(2):
            h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=seed).token, c)
        events_write_all()  # a batch per address

    assert _reasons() == ["", "", "", "rate_limited"]


def test_an_address_is_rate_limited_on_events_of_earlier_batches_from_other_viewers(settings):
    settings.ADS_MAX_EVENTS_PER_MINUTE = 3
    h.live_campaign()
    for user in (UserFactory(), UserFactory()):  # two viewers behind one address
        c = h.client(ip="203.0.113.7", user=user)
        for seed in range(2):
            h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=seed).token, c)
        events_write_all()

    assert _reasons() == ["", "", "", "rate_limited"]


def test_clicks_of_earlier_batches_count_toward_the_limit(settings):
    settings.ADS_MAX_EVENTS_PER_MINUTE = 3
    h.live_campaign()
    c = h.client()
    token = h.offer(h.viewer(viewer_key=c.viewer_key), seed=1).token
    h.view(token, c)
    h.click(token, c)
    events_write_all()
    for seed in (2, 3):
        h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=seed).token, c)
    events_write_all()

    assert AdClick.objects.get().invalid_reason == ""
    assert _reasons() == ["", "", "rate_limited"]


def test_a_batch_reads_the_event_tables_once_before_its_copy():
    # given: views and a click waiting, and an earlier batch already written
    h.live_campaign()
    c = h.client()
    token = h.offer(h.viewer(viewer_key=c.viewer_key), seed=1).token
    h.view(token, c)
    events_write_all()
    h.view(token, c)
    h.click(token, c)
    h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=2).token, c)

    with CaptureQueriesContext(connection) as queries:
        result = events_write()

    # then: one statement found the offers already viewed or clicked and the recent counts
    # (it was four: two per table)
    reads = [q["sql"] for q in queries if "ads_adimpression" in q["sql"] or "ads_adclick" in q["sql"]]
    assert len(reads) == 1
    assert (result.impressions, result.clicks) == (2, 1)
    assert _reasons() == ["", "token_reused", ""]
    assert AdClick.objects.get().invalid_reason == ""


def test_the_buffer_gives_back_each_event_with_its_exact_arrival_time():
    at = dt.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=dt.UTC)
    AdEventBuffer.objects.create(kind="view", payload={"a": [1, "é", None], "b": {"c": 0.5}}, received_at=at)
    AdEventBuffer.objects.create(
        kind="decision", payload={"d": "2026-12-07"}, received_at=at + dt.timedelta(microseconds=1)
    )

    with event_buffer().drain(10) as events:
        drained = [(kind, payload, received) for _pk, kind, payload, received in events]

    assert drained == [
        ("view", {"a": [1, "é", None], "b": {"c": 0.5}}, at),
        ("decision", {"d": "2026-12-07"}, at + dt.timedelta(microseconds=1)),
    ]
    assert drained[0][2].utcoffset() == dt.timedelta(0)
    assert AdEventBuffer.objects.count() == 0
    assert timezone.is_aware(drained[1][2])


def test_clicks_have_the_viewer_index_the_rate_limit_reads_by():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'ads_adclick' AND indexname = 'ads_click_viewer'"
        )
        (definition,) = cursor.fetchone()
    assert definition.endswith("USING btree (viewer_key, created_at)")


def test_one_batch_of_mixed_events_gets_each_verdict_in_arrival_order(settings):
    # given: one address sending, in this order, within one batch
    settings.ADS_MAX_EVENTS_PER_MINUTE = 7
    h.live_campaign(bid_model="cpc", bid_amount=100)
    c, crawler = h.client(), h.client(ua=h.GOOGLEBOT)
    token = h.offer(h.viewer(viewer_key=c.viewer_key), seed=1).token
    h.click(token, c)  # 1: before any view
    h.view(token, c, ratio=0.2, ms=100)  # 2: not viewable
    h.view(token, c)  # 3: the offer's viewable impression
    h.click(token, c)  # 4: after it
    h.view(token, c)  # 5: again
    h.click(token, c)  # 6: again
    h.view(h.offer(h.viewer(viewer_key=crawler.viewer_key), seed=2).token, crawler)  # 7: a crawler
    h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=3).token, c)  # 8: the address's 8th event

    assert events_write().impressions == 5

    assert list(
        AdImpression.objects.order_by("event_at", "id").values_list("viewable", "billable", "invalid_reason")
    ) == [
        (False, False, ""),
        (True, True, ""),
        (True, False, "token_reused"),
        (True, False, "bot"),
        (True, False, "rate_limited"),
    ]
    clicks = AdClick.objects.order_by("event_at", "id").values_list("billable", "invalid_reason", "cost_micros")
    assert list(clicks) == [
        (False, "click_without_view", 0),
        (True, "", 100_000_000),
        (False, "token_reused", 0),
    ]
    assert list(AdSpendItem.objects.values_list("micros", flat=True)) == [100_000_000]
    assert AdEventBuffer.objects.filter(kind__in=["view", "click"]).count() == 0
