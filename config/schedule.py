"""Every periodic job of Fanfare, declared once (``CELERY_BEAT_SCHEDULE`` is this dict).

``docs/architecture.md`` ("Periodic jobs") has the table of what each does and what happens when
it runs late; keep the two together. Beat runs it with ``core.scheduler.DatabaseScheduler``, which
keeps each job's last run in the database, so a restarted beat never runs a job twice for one slot.
"""

from __future__ import annotations

from typing import Any


class Crontab:
    """A cron-like schedule, built as Celery's ``celery.schedules.crontab`` when beat reads it.

    The settings import this module in every process, and ``celery.schedules`` imports most of
    Celery, kombu and billiard (about 8 MB the web process kept for nothing). Beat's scheduler
    (``core.scheduler.DatabaseScheduler``) turns each one into Celery's crontab; reading an
    attribute (``day_of_week``, ``remaining_estimate``...) or the text gives the crontab's.
    """

    __slots__ = ("_built", "kwargs")

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self._built: Any = None

    def build(self) -> Any:
        """Celery's crontab for these fields (one per declaration, made on first use)."""
        if self._built is None:
            from celery.schedules import crontab

            self._built = crontab(**self.kwargs)
        return self._built

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.build(), name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Crontab) and other.kwargs == self.kwargs

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.kwargs.items())))

    def __repr__(self) -> str:
        return repr(self.build())

    def __str__(self) -> str:
        return str(self.build())


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
        "schedule": Crontab(hour=8, minute=0),
        "args": ("daily",),
    },
    "notifications-digests-weekly": {
        "task": "notifications.digests_send",
        "schedule": Crontab(hour=8, minute=0, day_of_week=1),
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
        "schedule": Crontab(hour=6, minute=0, day_of_week=1),
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
