"""``StreamSerializer`` writes its fields out by hand (lists render many streams; DRF's generic
walk cost more than the page's query). These tests hold the hand-written shape to what DRF's
walk over the same declared fields answers, value for value, and the local playlist's path to
``reverse()``'s (it comes from ``core.routes.media_path``)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from streaming.api.serializers import OwnStreamSerializer, StreamSerializer
from streaming.models import LiveStream
from tests.content.video_factories import VideoFactory
from tests.streaming.factories import LiveStreamFactory, creator_factory

pytestmark = pytest.mark.django_db
S = LiveStream.Status
V = LiveStream.Visibility


class GenericStreamSerializer(StreamSerializer):
    """Same fields, DRF's generic walk (a subclass is not written out)."""


class _Anonymous:
    is_authenticated = False
    pk = None


@pytest.fixture
def signing_key(settings):
    key = ec.generate_private_key(ec.SECP384R1())
    settings.IVS_PLAYBACK_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.IVS_PLAYBACK_TOKEN_SECONDS = 300
    settings.IVS_PLAYBACK_ALLOWED_ORIGIN = "*"


def _streams():
    now = timezone.now()
    owner = creator_factory(handle="streamer", display_name="The Streamer")
    ivs = {"provider": LiveStream.Provider.IVS, "ivs_channel_arn": "arn:aws:ivs:us-east-1:1:channel/x"}
    made = [
        LiveStreamFactory(status=S.LIVE, started_at=now, tags=["music", "jazz"], description="d"),
        LiveStreamFactory(status=S.SCHEDULED, scheduled_at=now + dt.timedelta(hours=2), minimum_tier=3),
        LiveStreamFactory(
            status=S.ENDED, started_at=now - dt.timedelta(hours=1), ended_at=now, recording_video=VideoFactory(),
            peak_viewers=12, average_viewers=4.5, total_watch_seconds=99.25, unique_viewers=20, chat_messages_count=7,
            chat_enabled=False, slow_mode_seconds=30, followers_only_minutes=10, subscribers_only=True, emoji_only=True,
        ),
        LiveStreamFactory(status=S.LIVE, started_at=now, playback_url="https://ivs.example/p.m3u8", **ivs),
        LiveStreamFactory(
            owner=owner, status=S.LIVE, started_at=now, visibility=V.FOLLOWERS,
            playback_url="https://ivs.example/private.m3u8", **ivs,
        ),
    ]  # fmt: skip
    by_pk = LiveStream.objects.select_related("owner").in_bulk([s.pk for s in made])
    return owner, [by_pk[s.pk] for s in made]


@pytest.mark.parametrize("as_owner", [False, True])
def test_written_out_stream_shape_matches_drf_generic_walk(signing_key, as_owner):
    owner, streams = _streams()
    request = RequestFactory().get("/api/v1/streams/")
    request.user = owner if as_owner else _Anonymous()
    # One context for both: a private IVS stream's URL carries a token signed per call, so the
    # second serializer reads the first one's playback from the context's cache.
    context = {"request": request, "in_list": True}

    fast = StreamSerializer(streams, many=True, context=context).data
    generic = GenericStreamSerializer(streams, many=True, context=context).data

    assert [dict(item) for item in fast] == [dict(item) for item in generic]
    assert [list(item) for item in fast] == [list(item) for item in generic]  # the same key order
    assert [dict(item["chat"]) for item in fast] == [dict(item["chat"]) for item in generic]
    assert fast[0]["playback_url"] == request.build_absolute_uri(
        reverse("v1:stream-media", args=[streams[0].pk, "index.m3u8"])
    )
    assert fast[2]["recording_video"] == streams[2].recording_video_id
    assert fast[3]["playback_url"] == "https://ivs.example/p.m3u8"
    if as_owner:
        assert fast[4]["playback_url"].startswith("https://ivs.example/private.m3u8?token=")
        assert fast[4]["playback_expires_at"] is not None
    else:
        assert fast[4]["playback_url"] is None


def test_owner_serializer_keeps_the_generic_walk_and_its_extra_fields(signing_key):
    owner, streams = _streams()
    request = RequestFactory().get("/api/v1/streams/")
    request.user = owner
    data = OwnStreamSerializer(streams[4], context={"request": request}).data
    assert data["stream_key"] == streams[4].stream_key
    assert data["owner"] == {"id": str(owner.pk), "handle": "streamer", "display_name": "The Streamer"}
