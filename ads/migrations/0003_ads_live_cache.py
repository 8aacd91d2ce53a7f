"""Decisions read cheap state: each campaign's spend per day in a rollup kept by a trigger, and a
version key that changes with every committed change to what decisions depend on (docs/ads.md,
"Decisions")."""

import django.db.models.deletion
from django.db import migrations, models

SPEND_DAY = """
CREATE FUNCTION ads_spendday_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE ads_campaignspendday SET micros = micros - OLD.micros
        WHERE campaign_id = OLD.campaign_id AND day = OLD.day;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO ads_campaignspendday (campaign_id, day, micros) VALUES (NEW.campaign_id, NEW.day, NEW.micros)
        ON CONFLICT (campaign_id, day) DO UPDATE SET micros = ads_campaignspendday.micros + EXCLUDED.micros;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ads_spendday_apply AFTER INSERT OR DELETE OR UPDATE OF micros, campaign_id, day
    ON ads_adspenditem FOR EACH ROW EXECUTE FUNCTION ads_spendday_apply();
INSERT INTO ads_campaignspendday (campaign_id, day, micros)
    SELECT campaign_id, day, SUM(micros) FROM ads_adspenditem GROUP BY campaign_id, day;
"""
SPEND_DAY_REVERSE = """
DROP TRIGGER ads_spendday_apply ON ads_adspenditem;
DROP FUNCTION ads_spendday_apply();
"""

LIVE_VERSION = """
CREATE SEQUENCE ads_liveversion_seq;
CREATE FUNCTION ads_live_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    slot bigint;
BEGIN
    SELECT id INTO slot FROM ads_liveversion ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF slot IS NULL THEN
        INSERT INTO ads_liveversion (version) VALUES (nextval('ads_liveversion_seq'));
    ELSE
        UPDATE ads_liveversion SET version = nextval('ads_liveversion_seq') WHERE id = slot;
    END IF;
    RETURN NULL;
END $$;
INSERT INTO ads_liveversion (version) VALUES (nextval('ads_liveversion_seq'));
"""
LIVE_VERSION_REVERSE = "DROP FUNCTION ads_live_bump(); DROP SEQUENCE ads_liveversion_seq;"
BUMPED = ("ads_campaign", "ads_ad", "ads_advertiser", "ads_adspenditem")


def _trigger(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE TRIGGER {table}_live_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ads_live_bump();",
        f"DROP TRIGGER {table}_live_bump ON {table};",
    )


class Migration(migrations.Migration):
    dependencies = [("ads", "0002_ads_roles")]

    operations = [
        migrations.CreateModel(
            name="CampaignSpendDay",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("day", models.DateField()),
                ("micros", models.BigIntegerField(default=0)),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="ads.campaign"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("campaign", "day"), name="ads_spendday_unique")],
            },
        ),
        migrations.CreateModel(
            name="LiveVersion",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
        ),
        migrations.RunSQL(SPEND_DAY, SPEND_DAY_REVERSE),
        migrations.RunSQL(LIVE_VERSION, LIVE_VERSION_REVERSE),
        *[_trigger(table) for table in BUMPED],
    ]
