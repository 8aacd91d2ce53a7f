"""Demo chat history for ``manage.py seed_demo``: the ended demo stream gets a conversation.

The streams part of the demo (``streaming/demo.py``) creates "Demo: last night's stream"; this
adds its chat. When that stream is missing it creates the ended stream itself. Idempotent: a
stream that already has chat is left alone.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from accounts import selectors as account_selectors
from streaming.models import LiveStream, StreamChat
from streaming.services.metrics import stream_summary_finalize

DEMO_STREAM_TITLE = "Demo: last night's stream"
DEMO_CREATOR_EMAIL = "creator@fanfare.local"
DEMO_VIEWER_EMAIL = "viewer@fanfare.local"

# (minutes after the start, who: creator | viewer | system, text)
DEMO_LINES = [
    (0, "system", "The stream started."),
    (1, "creator", "Hi everyone, welcome in! 👋"),
    (2, "viewer", "Hello from Lisbon! 🎉"),
    (4, "viewer", "What are we building tonight?"),
    (5, "creator", "A live chat over WebSockets, then we benchmark it."),
    (9, "viewer", "@demo_creator how many viewers can one process take?"),
    (11, "creator", "Thousands in one room: the numbers are in bench/README.md."),
    (30, "viewer", "🔥🔥🔥"),
    (58, "creator", "Thanks for hanging out, see you next week!"),
    (60, "system", "The stream ended."),
]


def seed_chat(*, report) -> LiveStream | None:
    creator = account_selectors.user_by_email(email=DEMO_CREATOR_EMAIL)
    viewer = account_selectors.user_by_email(email=DEMO_VIEWER_EMAIL)
    if creator is None or viewer is None:
        report("stream chat: no demo creator or viewer, skipped")
        return None
    stream = LiveStream.all_objects.filter(owner=creator, title=DEMO_STREAM_TITLE).first()
    if stream is None:
        started = (timezone.now() - dt.timedelta(days=1)).replace(hour=20, minute=0, second=0, microsecond=0)
        stream = LiveStream.objects.create(
            owner=creator, title=DEMO_STREAM_TITLE, description="A demo broadcast that already ended.",
            tags=["demo"], status=LiveStream.Status.ENDED, started_at=started,
            ended_at=started + dt.timedelta(hours=1), stream_key=secrets.token_urlsafe(24),
        )  # fmt: skip
    if StreamChat.all_objects.filter(stream=stream).exists():
        report(f"stream chat {DEMO_STREAM_TITLE!r}: has chat already")
        return stream
    start = stream.started_at or stream.created_at
    senders = {"creator": creator, "viewer": viewer, "system": None}
    rows = []
    for minutes, who, text in DEMO_LINES:
        rows.append(
            StreamChat.objects.create(
                stream=stream,
                sender=senders[who],
                kind=StreamChat.Kind.SYSTEM if who == "system" else StreamChat.Kind.MESSAGE,
                text=text,
                mentions=["demo_creator"] if "@demo_creator" in text else [],
                created_at=start + dt.timedelta(minutes=minutes),
            )
        )
    LiveStream.all_objects.filter(pk=stream.pk).update(pinned_message=rows[6])
    stream_summary_finalize(stream=stream)
    report(f"stream chat {DEMO_STREAM_TITLE!r}: {len(rows)} lines")
    return stream
