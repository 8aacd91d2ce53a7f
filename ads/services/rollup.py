"""Rollups: the day's events into AdDailyStat, recomputed whole (running it again changes nothing).

``ads_rollup`` (command) and the ``ads-rollup`` job (every minute, today and yesterday) call
:func:`stats_rollup`; reports for today are therefore at most a minute behind the writer.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

_ROLLUP_SQL = """
WITH i AS (
    SELECT ad_id, campaign_id, country, placement, COUNT(*) AS imps,
           COUNT(*) FILTER (WHERE viewable) AS viewable, COUNT(*) FILTER (WHERE billable) AS billable,
           COUNT(*) FILTER (WHERE invalid_reason <> '') AS invalid, SUM(cost_micros) AS cost
    FROM ads_adimpression WHERE created_at >= %(start)s AND created_at < %(end)s
    GROUP BY 1, 2, 3, 4
), c AS (
    SELECT ad_id, campaign_id, country, placement, COUNT(*) FILTER (WHERE billable) AS clicks,
           COUNT(*) FILTER (WHERE invalid_reason <> '') AS invalid, SUM(cost_micros) AS cost
    FROM ads_adclick WHERE created_at >= %(start)s AND created_at < %(end)s
    GROUP BY 1, 2, 3, 4
), v AS (
    SELECT ad_id, campaign_id, country, placement, COUNT(*) AS conversions
    FROM ads_adconversion WHERE click_created_at >= %(start)s AND click_created_at < %(end)s
    GROUP BY 1, 2, 3, 4
)
INSERT INTO ads_addailystat (day, campaign_id, ad_id, country, placement, impressions, viewable,
    billable_impressions, invalid_impressions, clicks, invalid_clicks, conversions, spend_micros)
SELECT %(day)s, campaign_id, ad_id, country, placement, COALESCE(i.imps, 0), COALESCE(i.viewable, 0),
       COALESCE(i.billable, 0), COALESCE(i.invalid, 0), COALESCE(c.clicks, 0), COALESCE(c.invalid, 0),
       COALESCE(v.conversions, 0), COALESCE(i.cost, 0) + COALESCE(c.cost, 0)
FROM i FULL JOIN c USING (ad_id, campaign_id, country, placement)
       FULL JOIN v USING (ad_id, campaign_id, country, placement)
WHERE ad_id IN (SELECT id FROM ads_ad)
"""


def stats_rollup(*, day: dt.date) -> int:
    """Recompute ``day``'s (UTC) rows. Returns how many rows the day has."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x41445252])
        cursor.execute("DELETE FROM ads_addailystat WHERE day = %s", [day])
        cursor.execute(_ROLLUP_SQL, {"day": day, "start": start, "end": start + dt.timedelta(days=1)})
        return cursor.rowcount


def rollup_recent() -> int:
    """Today and yesterday (UTC), and campaigns whose end passed complete."""
    from ads.services.campaigns import campaigns_ended_complete

    today = timezone.now().date()
    rows = stats_rollup(day=today - dt.timedelta(days=1)) + stats_rollup(day=today)
    campaigns_ended_complete()
    return rows
