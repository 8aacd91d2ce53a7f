"""What streaming adds to the studio home: the latest streams with their figures, and the streams
that are live or scheduled (a creator should know what is coming)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from core.dashboard.home import Attention, Panel, Period
from streaming.models import LiveStream
from streaming.selectors import streams as selectors


def latest_streams_panel(*, user: Any, period: Period) -> Panel:
    streams = list(selectors.stream_list_mine(owner=user).order_by("-created_at")[:5])
    return Panel(
        key="latest-streams",
        title="Latest streams",
        template="streaming/studio/_home_streams.html",
        context={"streams": streams},
        link=("All streams", reverse("streaming_studio:streams")),
    )


def attention(*, user: Any) -> list[Attention]:
    items = []
    for stream in (
        selectors.stream_list_mine(owner=user)
        .exclude(status=LiveStream.Status.ENDED)
        .order_by("scheduled_at", "created_at")[:5]
    ):
        url = reverse("streaming_studio:stream", args=[stream.pk])
        if stream.status == LiveStream.Status.LIVE:
            items.append(Attention(key=f"live-{stream.pk}", text=f"“{stream.title}” is live now", url=url,
                                   tone="ok"))  # fmt: skip
        else:
            when = stream.scheduled_at.strftime("%-d %b %H:%M UTC") if stream.scheduled_at else "when you start"
            items.append(Attention(key=f"scheduled-{stream.pk}", text=f"“{stream.title}” is scheduled: {when}",
                                   url=url, tone="info"))  # fmt: skip
    return items
