"""The writer killed in the middle of a batch loses nothing and writes nothing twice (a real SIGKILL)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction

from ads.models import AdEventBuffer, AdImpression
from ads.services.decisions import fill_counts_discard
from ads.services.writer import events_write_all
from tests.ads import helpers as h

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("writer_path")]


def _unlocked_buffer_rows() -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT id FROM ads_adeventbuffer FOR UPDATE SKIP LOCKED) AS free")
        return cursor.fetchone()[0]


def test_a_writer_killed_mid_batch_loses_nothing_and_duplicates_nothing(tmp_path, settings):
    settings.ADS_MAX_EVENTS_PER_MINUTE = 10_000  # 300 views from one /24 would be rate-limited
    # given: 300 viewable views of 300 offers waiting in the buffer
    h.live_campaign()
    for index in range(300):
        c = h.client(ip=f"198.51.{index // 250}.{index % 250 + 1}")
        h.view(h.offer(h.viewer(viewer_key=c.viewer_key), seed=index).token, c)
    AdEventBuffer.objects.filter(kind="decision").delete()
    fill_counts_discard()  # the offers' fill-rate counts, held in this process until a flush
    assert AdEventBuffer.objects.count() == 300

    # when: a writer process takes a batch of 200, has COPYed it, and is killed before committing
    flag = tmp_path / "copied"
    env = {
        **os.environ,
        "ADS_PROBE_DB_NAME": connection.settings_dict["NAME"],
        "DJANGO_SETTINGS_MODULE": "tests.ads.probe_settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ads.writer_probe", str(flag), "200"],
        cwd=django_settings.BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert process.poll() is None, "the writer process died before its COPY"
        assert time.monotonic() < deadline, "the writer process never reached its COPY"
        time.sleep(0.1)
    assert flag.read_text() == "200"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 30
    while _unlocked_buffer_rows() < 300:  # PostgreSQL rolls the dead session's transaction back
        assert time.monotonic() < deadline
        time.sleep(0.1)

    # then: nothing of the batch was written, and all 300 are still waiting
    assert AdImpression.objects.count() == 0
    assert AdEventBuffer.objects.count() == 300

    # and the next writer writes each exactly once
    assert events_write_all(limit=120) == 300
    assert AdImpression.objects.count() == 300
    assert AdImpression.objects.values("offer_id").distinct().count() == 300
    assert AdImpression.objects.filter(billable=True).count() == 300
    assert AdEventBuffer.objects.count() == 0
