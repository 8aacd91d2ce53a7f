"""Demo streams for ``manage.py seed_demo``: a scheduled stream and last night's, ended, with its
summary figures (the chat part adds the chat history). Idempotent by title."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts import selectors as account_selectors
from core import side_effects
from streaming import demo_chat
from streaming.models import LiveStream
from streaming.services import streams

DEMO_CREATOR_EMAIL = "creator@fanfare.local"
SCHEDULED_TITLE = "Demo: building a live chat, part 2"
ENDED_TITLE = "Demo: last night's stream"


def seed(*, report) -> None:
    owner = account_selectors.user_by_email(email=DEMO_CREATOR_EMAIL)
    if owner is None:
        report("streams: no demo creator, skipped")
        return
    if settings.STREAMING_PROVIDER != LiveStream.Provider.LOCAL:
        report("streams: STREAMING_PROVIDER is not local, skipped (demo streams would create IVS channels)")
        return
    seed_scheduled(owner=owner, report=report)
    ended = seed_ended(owner=owner, report=report)
    demo_chat.seed_chat(report=report)
    from streaming.demo_tips import seed_tips

    seed_tips(stream=ended, report=report)

    # The viewer summary a real audience would have left (demo figures: the demo has no viewer
    # rows). Written now, after the chat's summary, and again after the end's own summary has
    # run at commit (which counts the viewer rows, none here); the chat count stays real.
    def demo_figures() -> None:
        LiveStream.objects.filter(pk=ended.pk).update(
            peak_viewers=148, average_viewers=96.5, total_watch_seconds=96.5 * 72 * 60, unique_viewers=311
        )

    demo_figures()
    side_effects.after_commit(demo_figures)


def seed_scheduled(*, owner, report) -> LiveStream:
    existing = LiveStream.objects.filter(owner=owner, title=SCHEDULED_TITLE).first()
    if existing is not None:
        report(f"stream    {SCHEDULED_TITLE:<40} {existing.status}, seeded before")
        return existing
    stream = streams.stream_create(
        owner=owner, title=SCHEDULED_TITLE, description="Channels, Redis and a lot of WebSockets.",
        tags=["demo", "django"], scheduled_at=timezone.now() + dt.timedelta(days=1), record=True, slow_mode_seconds=2,
    )  # fmt: skip
    report(f"stream    {SCHEDULED_TITLE:<40} scheduled: /studio/streams/{stream.pk}/")
    return stream


def seed_ended(*, owner, report) -> LiveStream:
    existing = LiveStream.objects.filter(owner=owner, title=ENDED_TITLE).first()
    if existing is not None:
        report(f"stream    {ENDED_TITLE:<40} {existing.status}, seeded before")
        return existing
    yesterday = timezone.now().replace(hour=21, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    stream = streams.stream_create(owner=owner, title=ENDED_TITLE, description="Q&A and a code review.", tags=["demo"])
    streams.stream_go_live(stream_id=stream.pk, at=yesterday)
    streams.stream_mark_ended(stream_id=stream.pk, at=yesterday + dt.timedelta(hours=1, minutes=12), reason="demo")

    report(f"stream    {ENDED_TITLE:<40} ended, peak 148 viewers")
    return stream
