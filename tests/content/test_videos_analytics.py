"""Views and watch time: counting rules, the daily rollup, the retention curve, the owner's API."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from content.models import Video, VideoCountryDailyStat, VideoDailyStat, ViewEvent
from content.services.video_views import video_stats_rollup, view_heartbeat_record
from content.video_tasks import video_stats_rollup_task
from tests.content.video_factories import VerifiedUserFactory, VideoFactory

pytestmark = pytest.mark.django_db


def beat(api_client, video, *, session, watched, position=None, client_id=None, country=None):
    body = {"session": str(session), "position": position if position is not None else watched, "watched": watched}
    if client_id:
        body["client_id"] = client_id
    headers = {"HTTP_CLOUDFRONT_VIEWER_COUNTRY": country} if country else {}
    return api_client.post(f"/api/v1/videos/{video.pk}/views/", body, format="json", **headers)


def views_of(video):
    return Video.objects.get(pk=video.pk).view_count


def test_a_view_counts_after_five_seconds_once_per_viewer_per_day(api_client):
    video = VideoFactory(duration=600.0)
    viewer = VerifiedUserFactory()
    api_client.force_authenticate(viewer)
    first, second = uuid.uuid4(), uuid.uuid4()

    assert beat(api_client, video, session=first, watched=4.9).status_code == 204
    assert views_of(video) == 0
    assert beat(api_client, video, session=first, watched=5).status_code == 204
    assert views_of(video) == 1
    beat(api_client, video, session=first, watched=15)
    beat(api_client, video, session=second, watched=30)  # a second playback the same day

    assert views_of(video) == 1
    assert Video.objects.get(pk=video.pk).watch_seconds == 45.0
    assert list(ViewEvent.objects.order_by("created_at").values_list("counted", flat=True)) == [
        False,
        True,
        False,
        False,
    ]


def test_the_same_viewer_counts_again_after_24_hours(api_client):
    video = VideoFactory(duration=600.0)
    viewer = VerifiedUserFactory()
    api_client.force_authenticate(viewer)
    beat(api_client, video, session=uuid.uuid4(), watched=6)
    ViewEvent.objects.update(created_at=timezone.now() - dt.timedelta(hours=24, minutes=1))

    beat(api_client, video, session=uuid.uuid4(), watched=6)

    assert views_of(video) == 2


def test_thirty_percent_of_a_short_video_counts(api_client):
    video = VideoFactory(duration=10.0)

    beat(api_client, video, session=uuid.uuid4(), watched=2.9, client_id="device-a")
    assert views_of(video) == 0
    beat(api_client, video, session=uuid.uuid4(), watched=3, client_id="device-b")
    assert views_of(video) == 1


def test_anonymous_viewers_are_told_apart_by_client_id(api_client):
    video = VideoFactory(duration=600.0)

    missing = beat(api_client, video, session=uuid.uuid4(), watched=6)
    beat(api_client, video, session=uuid.uuid4(), watched=6, client_id="device-a")
    beat(api_client, video, session=uuid.uuid4(), watched=6, client_id="device-a")
    beat(api_client, video, session=uuid.uuid4(), watched=6, client_id="device-b")

    assert missing.status_code == 400
    assert missing.json()["errors"][0]["code"] == "client_id_required"
    assert views_of(video) == 2


def test_no_heartbeats_for_videos_the_viewer_cannot_play(api_client):
    private = VideoFactory(visibility=Video.Visibility.PRIVATE)
    blocked = VideoFactory(geo_deny=["DE"])

    assert beat(api_client, private, session=uuid.uuid4(), watched=6, client_id="a").status_code == 404
    assert beat(api_client, blocked, session=uuid.uuid4(), watched=6, client_id="a", country="DE").status_code == 451
    assert not ViewEvent.objects.exists()


def test_bad_heartbeats_are_refused(api_client):
    video = VideoFactory()

    response = api_client.post(
        f"/api/v1/videos/{video.pk}/views/", {"session": "x", "position": -1, "watched": 1}, format="json"
    )

    assert response.status_code == 400
    assert sorted(e["attr"] for e in response.json()["errors"]) == ["position", "session"]


def record(video, *, viewer, watched, position, country="", session=None):
    return view_heartbeat_record(
        video=video, user=None, client_id=viewer, session=session or uuid.uuid4(),
        position=position, watched=watched, country=country,
    )  # fmt: skip


def test_the_rollup_makes_daily_rows_retention_and_countries():
    video = VideoFactory(duration=100.0)
    # Three sessions today: two viewers, one of them twice.
    a1 = uuid.uuid4()
    record(video, viewer="a", watched=5, position=5, country="FR", session=a1)
    record(video, viewer="a", watched=50, position=50, country="FR", session=a1)
    record(video, viewer="a", watched=100, position=100, country="FR")
    record(video, viewer="b", watched=3, position=3, country="BR")
    today = timezone.now().date()

    assert video_stats_rollup(day=today) == 1
    assert video_stats_rollup(day=today) == 1  # a second run replaces, never adds

    day = VideoDailyStat.objects.get(video=video, day=today)
    assert (day.views, day.unique_viewers, day.sessions) == (1, 1, 3)
    assert (day.watch_seconds, day.average_view_duration) == (153.0, 51.0)
    assert day.retention[0] == 100.0
    assert day.retention[1] == 66.7  # 5%: b stopped at 3 s
    assert day.retention[10] == 66.7  # 50%
    assert day.retention[11] == 33.3  # 55%
    assert day.retention[20] == 33.3  # 100%
    assert len(day.retention) == 21
    assert list(VideoCountryDailyStat.objects.filter(video=video).values_list("country", "views", "watch_seconds")) == [
        ("BR", 0, 3.0),
        ("FR", 1, 150.0),
    ]


def test_the_rollup_task_runs_for_yesterday_and_today():
    video = VideoFactory(duration=100.0)
    record(video, viewer="a", watched=10, position=10)
    ViewEvent.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    record(video, viewer="b", watched=10, position=10)

    assert video_stats_rollup_task.delay().get() == 2

    assert VideoDailyStat.objects.filter(video=video).count() == 2


def test_the_owner_reads_analytics(api_client):
    video = VideoFactory(duration=100.0)
    record(video, viewer="a", watched=100, position=100, country="FR")
    record(video, viewer="b", watched=50, position=50, country="FR")
    record(video, viewer="c", watched=10, position=10, country="BR")
    today = timezone.now().date()
    video_stats_rollup(day=today)
    url = f"/api/v1/videos/{video.pk}/analytics/"

    assert api_client.get(url).status_code == 401
    api_client.force_authenticate(VerifiedUserFactory())
    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(video.owner)
    response = api_client.get(url)
    bad = api_client.get(f"{url}?start=yesterday")

    assert response.status_code == 200
    body = response.json()
    assert (body["views"], body["watch_seconds"], body["average_view_duration"]) == (3, 160.0, 53.3)
    assert body["countries"] == [
        {"country": "FR", "views": 2, "watch_seconds": 150.0},
        {"country": "BR", "views": 1, "watch_seconds": 10.0},
    ]
    assert body["days"][0]["day"] == today.isoformat()
    assert body["days"][0]["unique_viewers"] == 3
    assert body["retention"][:3] == [100.0, 100.0, 100.0]
    assert body["retention"][3] == 66.7
    assert body["retention"][20] == 33.3
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (400, "invalid_date")
