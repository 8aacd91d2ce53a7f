"""The in-database writer (PostgreSQL buffer, PostgreSQL 18): one statement per batch, and the
events whose user agent it has not judged wait for the next batch (the rules themselves run on
both writers: tests/ads/test_events.py, test_writer_batch.py, test_spend.py, test_writer_kill.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ads.models import AdEventBuffer, AdImpression
from ads.services import writer
from tests.ads import helpers as h
from tests.ads.conftest import skip_unless_in_database_writer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_database(monkeypatch, django_db_blocker):
    skip_unless_in_database_writer(django_db_blocker)
    monkeypatch.setattr(writer, "IN_DATABASE", True)


def test_a_batch_leaves_the_buffer_and_enters_the_tables_in_one_statement():
    # given: views and a click waiting
    h.live_campaign()
    c = h.client()
    token = h.offer(h.viewer(viewer_key=c.viewer_key), seed=1).token
    h.view(token, c)
    h.click(token, c)
    h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=2).token, c)
    AdEventBuffer.objects.filter(kind="decision").delete()

    with CaptureQueriesContext(connection) as queries:
        result = writer.events_write()

    # then: no event came to Python: one statement deleted them from the buffer and wrote them
    # (the one before it reads the batch's user agents), and nothing was COPYed
    assert (result.impressions, result.clicks) == (2, 1)
    moving = [q["sql"] for q in queries if "DELETE FROM ads_adeventbuffer" in q["sql"]]
    assert len(moving) == 1
    assert "INSERT INTO ads_adimpression" in moving[0]
    assert "INSERT INTO ads_adclick" in moving[0]
    assert not [q for q in queries if "COPY" in q["sql"]]
    assert AdEventBuffer.objects.count() == 0


def test_an_event_committed_late_with_an_unjudged_user_agent_waits_for_the_next_batch():
    # given: four views buffered; the 2nd and 3rd commit only after the batch read its user agents
    # (ids taken earlier, commits later), the 2nd from a browser the batch has not seen
    h.live_campaign()
    c = h.client()
    for seed in range(4):
        h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=seed).token, c)
    AdEventBuffer.objects.filter(kind="decision").delete()
    _first, second, third, _fourth = AdEventBuffer.objects.order_by("id")
    AdEventBuffer.objects.filter(pk__in=[second.pk, third.pk]).delete()
    real = writer._judge_and_insert

    def late_commits_then_judge(params):
        second.payload["ua"] = h.FIREFOX
        second.save(force_insert=True)
        third.save(force_insert=True)
        return real(params)

    writer._judge_and_insert = late_commits_then_judge
    try:
        result = writer.events_write()
    finally:
        writer._judge_and_insert = real

    # then: the batch wrote the three whose user agent it judged; the other one is still waiting
    assert result.impressions == 3
    assert list(AdEventBuffer.objects.values_list("pk", flat=True)) == [second.pk]
    # and the next batch judges it (its browser is not the offer's)
    assert writer.events_write().impressions == 1
    assert list(AdImpression.objects.order_by("event_at").values_list("invalid_reason", flat=True)) == [
        "",
        "ua_changed",
        "",
        "",
    ]
