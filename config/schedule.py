"""Every periodic job of Fanfare, declared once (``CELERY_BEAT_SCHEDULE`` is this dict).

``docs/architecture.md`` ("Periodic jobs") has the table of what each does and what happens when
it runs late; keep the two together. Beat runs it with ``core.scheduler.DatabaseScheduler``, which
keeps each job's last run in the database, so a restarted beat never runs a job twice for one slot.
"""

from celery.schedules import crontab

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

BEAT_SCHEDULE: dict = {
    # --- core: the task outbox -------------------------------------------------------------------
    # Tasks whose publish failed, whose message was lost, or whose worker died mid-task, sent again.
    "core-tasks-recover": {"task": "core.tasks_recover", "schedule": 15},
    # --- accounts ---------------------------------------------------------------------------------
    "accounts-data-exports-expire": {"task": "accounts.data_exports_expire", "schedule": DAY},
    "accounts-auth-tokens-expired-delete": {"task": "accounts.auth_tokens_expired_delete", "schedule": HOUR},
    # --- notifications ----------------------------------------------------------------------------
    "notifications-digests-daily": {
        "task": "notifications.digests_send",
        "schedule": crontab(hour=8, minute=0),
        "args": ("daily",),
    },
    "notifications-digests-weekly": {
        "task": "notifications.digests_send",
        "schedule": crontab(hour=8, minute=0, day_of_week=1),
        "args": ("weekly",),
    },
    # Push and SMS held back by quiet hours go out when their time comes.
    "notifications-deferred-release": {"task": "notifications.deferred_release", "schedule": MINUTE},
    # --- content: videos --------------------------------------------------------------------------
    "content-video-jobs-reconcile": {"task": "content.video_jobs_reconcile", "schedule": MINUTE},
    # Analytics follow views within two minutes: the rollup every minute (today and yesterday).
    "content-video-stats-rollup": {"task": "content.video_stats_rollup", "schedule": MINUTE},
    # --- streaming --------------------------------------------------------------------------------
    "streaming-reminders-send": {"task": "streaming.stream_reminders_send", "schedule": MINUTE},
    "streaming-streams-reconcile": {"task": "streaming.streams_reconcile", "schedule": 2 * MINUTE},
    "streaming-stream-files-cleanup": {"task": "streaming.stream_files_cleanup", "schedule": HOUR},
    # --- billing ----------------------------------------------------------------------------------
    # Webhook deliveries whose processing failed are processed again (billing_events_retry).
    "billing-events-retry": {"task": "billing.webhook_events_retry", "schedule": 5 * MINUTE},
    # Memberships: failed renewals past their grace period end, gifts run out, members hear of an end.
    "billing-memberships-sweep": {"task": "billing.memberships_sweep", "schedule": HOUR},
    # Creators' earnings past the hold period (BILLING_EARNINGS_HOLD_DAYS) become available.
    "billing-earnings-release": {"task": "billing.earnings_release", "schedule": HOUR},
    # The weekly payout run (last Monday-Sunday); finance then checks and approves in the admin.
    "billing-payouts-prepare": {
        "task": "billing.payouts_prepare",
        "schedule": crontab(hour=6, minute=0, day_of_week=1),
    },
    # Approved payouts whose Transfer was not sent (Stripe unreachable) are sent again.
    "billing-payout-transfers-retry": {"task": "billing.payout_transfers_retry", "schedule": 10 * MINUTE},
    # --- moderation -------------------------------------------------------------------------------
    "moderation-cases-priority-refresh": {"task": "moderation.cases_priority_refresh", "schedule": HOUR},
    "moderation-suspensions-ended-release": {"task": "moderation.suspensions_ended_release", "schedule": HOUR},
    # --- ads ---------------------------------------------------------------------------------------
    # Buffered view/click/decision events into the partitioned tables, a batch per transaction.
    "ads-events-write": {"task": "ads.events_write", "schedule": 5},
    # The batches' spend onto the ledger (advertiser prepaid, platform ad revenue, creator share).
    "ads-spend-post": {"task": "ads.spend_post", "schedule": 30},
    # Today's and yesterday's figures into AdDailyStat; campaigns past their end complete.
    "ads-rollup": {"task": "ads.rollup", "schedule": MINUTE},
}
