"""What content adds to the studio home (core/dashboard/home.py): views and watch time for the
period against the one before, the views chart, the latest videos and posts with their figures,
and failed uploads or processing to look at."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from content.selectors import posts as post_selectors
from content.selectors import videos as video_selectors
from core.dashboard import charts
from core.dashboard.home import Attention, Figure, Panel, Period


def figures(*, user: Any, period: Period) -> list[Figure]:
    totals = video_selectors.owner_daily_totals(owner=user, start=period.previous_start, end=period.end)
    now = [totals[day] for day in totals if day >= period.start]
    before = [totals[day] for day in totals if day < period.start]
    return [
        Figure(key="views", label="Views", current=sum(v for v, _ in now), previous=sum(v for v, _ in before)),
        Figure(
            key="watch-time",
            label="Watch time",
            kind="seconds",
            current=round(sum(w for _, w in now), 1),
            previous=round(sum(w for _, w in before), 1),
        ),
    ]


def views_chart_panel(*, user: Any, period: Period) -> Panel:
    totals = video_selectors.owner_daily_totals(owner=user, start=period.start, end=period.end)
    days = period.days
    spec = charts.time_series(
        key="home-views",
        title="Views per day, all your videos",
        days=days,
        series=[charts.Series("Views", [totals.get(day, (0, 0))[0] for day in days])],
        empty="No views in the last 28 days yet. Views are counted once a viewer has watched a few seconds "
        "and appear here within minutes.",
    )
    return Panel(key="views-chart", title="", template="content/studio/_home_chart.html",
                 context={"spec": spec}, wide=True)  # fmt: skip


def latest_videos_panel(*, user: Any, period: Period) -> Panel:
    videos = list(video_selectors.video_list_for_owner(owner=user)[:5])
    return Panel(
        key="latest-videos",
        title="Latest videos",
        template="content/studio/_home_videos.html",
        context={"videos": videos},
        link=("All videos", reverse("content_studio:videos")),
    )


def latest_posts_panel(*, user: Any, period: Period) -> Panel:
    posts = list(post_selectors.posts_of_author_for_studio(author=user)[:5])
    return Panel(
        key="latest-posts",
        title="Latest posts",
        template="content/studio/_home_posts.html",
        context={"posts": posts},
        link=("All posts", reverse("content_posts_studio:posts")),
    )


def attention(*, user: Any) -> list[Attention]:
    failed = video_selectors.videos_failed_count(owner=user)
    if not failed:
        return []
    text = "1 video failed to upload or process" if failed == 1 else f"{failed} videos failed to upload or process"
    return [Attention(key="failed-videos", text=text, url=reverse("content_studio:videos") + "?status=failed",
                      tone="danger", count=failed)]  # fmt: skip
