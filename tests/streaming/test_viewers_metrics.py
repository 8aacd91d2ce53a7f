"""Viewer sessions (heartbeats, leaving, watch seconds, day partitions), live metrics and the
summary kept when a stream ends."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from streaming.models import ChannelModerator, StreamChat, StreamViewer
from streaming.services import metrics, viewers
from tests.streaming.helpers import joined, make_stream, send, verified_user

T0 = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def stream(db):
    owner = verified_user()
    live = make_stream(owner)
    live.created_at = T0 - dt.timedelta(hours=1)
    live.started_at = T0
    live.save()
    return live


def test_heartbeats_extend_one_session_and_add_watch_seconds(stream):
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:client-one", now=at(0), country="fr", user_agent="iPhone")
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:client-one", now=at(15))
    row = viewers.viewer_heartbeat(stream=stream, viewer_key="anon:client-one", now=at(30))

    assert StreamViewer.objects.count() == 1
    row = StreamViewer.objects.get()
    assert (row.created_at, row.last_seen, row.watch_seconds, row.left_at) == (at(0), at(30), 30.0, None)
    assert (row.country, row.device) == ("FR", "mobile")


def test_a_viewer_gone_longer_than_the_limit_left_at_their_last_heartbeat(stream, settings):
    settings.STREAMING_VIEWER_GONE_AFTER = 45
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:1", now=at(0))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:1", now=at(10))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:1", now=at(100))  # gone 90 s: a new session

    first, second = StreamViewer.objects.order_by("created_at")
    assert (first.left_at, first.watch_seconds) == (at(10), 10.0)
    assert (second.created_at, second.left_at, second.watch_seconds) == (at(100), None, 0.0)


def test_leave_closes_the_session_with_the_time_since_the_last_heartbeat(stream):
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:2", now=at(0))
    assert viewers.viewer_leave(stream=stream, viewer_key="user:2", now=at(12)) == 1
    row = StreamViewer.objects.get()
    assert (row.left_at, row.watch_seconds) == (at(12), 12.0)
    assert viewers.viewer_leave(stream=stream, viewer_key="user:2", now=at(13)) == 0


def test_rows_land_in_day_partitions(stream):
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:today-viewer", user_agent="Roku/DVP-9.10")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM streaming_streamviewer")
        (partition,) = cursor.fetchone()
    day = timezone.now().strftime("%Y_%b_%d").lower()
    assert partition.startswith("streaming_streamviewer_")
    assert day in partition
    assert StreamViewer.objects.get().device == "tv"


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130", "desktop"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari", "mobile"),
        ("Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0)", "tv"),
        ("curl/8.0", "other"),
        ("", "other"),
    ],
)
def test_device_from_user_agent(user_agent, device):
    assert viewers.device_from_user_agent(user_agent) == device


def test_metrics_count_concurrent_viewers_raise_the_peak_and_count_chat(stream, settings):
    settings.STREAMING_VIEWER_GONE_AFTER = 45
    now = timezone.now()
    for key in ("user:a", "user:b", "anon:cccccccc"):
        viewers.viewer_heartbeat(stream=stream, viewer_key=key, now=now)
    StreamChat.objects.create(stream=stream, sender=stream.owner, text="hi")
    old = StreamChat.objects.create(stream=stream, sender=stream.owner, text="earlier")
    StreamChat.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(minutes=5))

    figures = metrics.stream_metrics(stream=stream, now=now)
    assert (figures["viewers"], figures["peak_viewers"], figures["chat_messages_per_minute"]) == (3, 3, 1)

    viewers.viewer_leave(stream=stream, viewer_key="user:a", now=now)
    figures = metrics.stream_metrics(stream=stream, now=now + dt.timedelta(seconds=60))  # b and c went silent
    assert (figures["viewers"], figures["peak_viewers"]) == (0, 3)
    stream.refresh_from_db()
    assert stream.peak_viewers == 3


def test_summary_finalize(stream):
    # a: 0-80 s then 130 s (a zero-length 2nd session), b: 50-120 s and c: 110-140 s (both still
    # open when it ends: closed at their last heartbeat).
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:a", now=at(0))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:a", now=at(40))
    viewers.viewer_leave(stream=stream, viewer_key="user:a", now=at(80))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:b", now=at(50))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:b", now=at(90))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:b", now=at(120))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:c", now=at(110))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:c", now=at(140))
    viewers.viewer_heartbeat(stream=stream, viewer_key="user:a", now=at(130))  # a comes back: 2nd session
    for i in range(4):
        StreamChat.objects.create(stream=stream, sender=stream.owner, text=str(i))
    StreamChat.objects.create(stream=stream, kind="system", text="Stream started")
    stream.status = "ended"
    stream.ended_at = at(200)
    stream.save()

    stream = metrics.stream_summary_finalize(stream=stream)
    again = metrics.stream_summary_finalize(stream=stream)

    # watch: a 80 + 0, b 70, c 30 = 180 s over 200 s; peak 2 (a and b at 50-80, b and c at 110-120).
    assert (again.total_watch_seconds, again.average_viewers, again.unique_viewers) == (180.0, 0.9, 3)
    assert (again.peak_viewers, again.chat_messages_count) == (2, 4)
    assert StreamViewer.objects.filter(left_at__isnull=True).count() == 0


# ---------------------------------------------------------------------------------------------
# REST: heartbeat and metrics
# ---------------------------------------------------------------------------------------------


def test_heartbeat_endpoint_anonymous_needs_a_client_id(api_client, stream, settings):
    url = reverse("v1:stream-heartbeat", args=[stream.pk])
    settings.VIEWER_COUNTRY_HEADER = "CloudFront-Viewer-Country"

    assert api_client.post(url, {}, format="json").json()["errors"][0]["code"] == "invalid_client_id"
    response = api_client.post(
        url, {"client_id": "player-123456"}, format="json", HTTP_CLOUDFRONT_VIEWER_COUNTRY="de",
        HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)",
    )  # fmt: skip
    assert response.status_code == 204
    row = StreamViewer.objects.get()
    assert (row.viewer_key, row.country, row.device, row.user_id) == ("anon:player-123456", "DE", "desktop", None)
    assert api_client.post(url, {"client_id": "bad id!"}, format="json").status_code == 400


def test_heartbeat_endpoint_signed_in_and_not_for_hidden_or_ended_streams(api_client, stream):
    viewer = verified_user()
    api_client.force_authenticate(viewer)
    assert api_client.post(reverse("v1:stream-heartbeat", args=[stream.pk]), {}, format="json").status_code == 204
    assert StreamViewer.objects.get().viewer_key == f"user:{viewer.pk}"

    hidden = make_stream(verified_user(), visibility="followers")
    ended = make_stream(verified_user(), status="ended")
    for target in (hidden, ended):
        response = api_client.post(reverse("v1:stream-heartbeat", args=[target.pk]), {}, format="json")
        assert response.status_code == 404
    assert api_client.post("/api/v1/streams/00000000-0000-0000-0000-000000000000/heartbeat/", {}).status_code == 404


def test_metrics_endpoint_for_owner_and_moderators_only(api_client, stream):
    viewers.viewer_heartbeat(stream=stream, viewer_key="anon:someone-1")
    url = reverse("v1:stream-metrics", args=[stream.pk])
    mod, stranger = verified_user(), verified_user()
    ChannelModerator.objects.create(streamer=stream.owner, moderator=mod)

    assert api_client.get(url).status_code in (401, 403)
    api_client.force_authenticate(stranger)
    assert api_client.get(url).status_code == 404
    for user in (stream.owner, mod):
        api_client.force_authenticate(user)
        data = api_client.get(url).json()
        assert (data["viewers"], data["peak_viewers"], data["status"]) == (1, 1, "live")


# ---------------------------------------------------------------------------------------------
# Over the socket
# ---------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_chat_sockets_are_viewers_and_metrics_are_pushed_to_the_room(settings):
    settings.STREAMING_METRICS_INTERVAL = 0.5
    owner = await database_sync_to_async(verified_user)()
    live = await database_sync_to_async(make_stream)(owner)
    first, _ = await joined(live, query="client_id=anon-client-1", headers=[(b"user-agent", b"Android Mobile")])
    second, _ = await joined(live, owner)

    while True:
        event = await first.receive_json_from(timeout=5)
        if event["type"] == "metrics" and event["viewers"] == 2:
            break
    assert (event["peak_viewers"], event["stream_id"]) == (2, str(live.pk))

    await send(first, type="heartbeat")
    await send(first, type="ping")
    while (await first.receive_json_from(timeout=5))["type"] != "pong":
        pass
    await first.disconnect()
    await second.disconnect()
    rows = await database_sync_to_async(lambda: list(StreamViewer.objects.order_by("viewer_key")))()
    assert sorted(r.viewer_key for r in rows) == sorted(["anon:anon-client-1", f"user:{owner.pk}"])
    assert all(r.left_at is not None for r in rows)
    anon = next(r for r in rows if r.viewer_key.startswith("anon:"))
    assert anon.device == "mobile"
    assert anon.watch_seconds > 0
