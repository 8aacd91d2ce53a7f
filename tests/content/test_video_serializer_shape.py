"""``VideoSerializer`` writes its fields out by hand (lists render many videos; DRF's generic
walk cost more than the page's query). These tests hold the hand-written shape to what DRF's
walk over the same declared fields answers, value for value, and its media URLs to
``reverse()``'s (the media paths come from ``core.routes.media_path``)."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from content.api.video_serializers import OwnVideoSerializer, VideoSerializer
from content.models import Video
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db


class GenericVideoSerializer(VideoSerializer):
    """Same fields, DRF's generic walk (a subclass is not written out)."""


class _Anonymous:
    is_authenticated = False
    pk = None


def _request(path="/api/v1/videos/", **extra):
    request = RequestFactory().get(path, **extra)
    request.user = _Anonymous()
    return request


def _videos():
    plain = VideoFactory(title="Plain", tags=["art", "ink"], description="about it", sensitive=True)
    no_extras = VideoFactory(
        title="Bare", poster="", sprite="", dash_manifest="", duration=None, width=None, height=None, fps=None
    )
    with_dash = VideoFactory(dash_manifest="manifest.mpd", monetized=True, midroll_offsets=[30, 60], minimum_tier=2)
    scheduled = VideoFactory(
        visibility=Video.Visibility.SCHEDULED, publish_at=timezone.now() + dt.timedelta(days=1), view_count=7
    )
    processing = VideoFactory(status=Video.Status.PROCESSING, watch_seconds=12.5)
    unplayable = VideoFactory(status=Video.Status.FAILED, master_playlist="")
    removed = VideoFactory(moderation_status=Video.Moderation.REMOVED)
    odd_names = VideoFactory(master_playlist="hls/mäster file.m3u8", poster="p?x#y.jpg", sprite="a%20b;c.jpg")
    s3 = VideoFactory(output_storage=Video.Storage.S3, dash_manifest="manifest.mpd")
    pks = [v.pk for v in (plain, no_extras, with_dash, scheduled, processing, unplayable, removed, odd_names, s3)]
    by_pk = Video.objects.select_related("owner").in_bulk(pks)
    return [by_pk[pk] for pk in pks]


@pytest.mark.parametrize("secure", [False, True])
def test_written_out_video_shape_matches_drf_generic_walk(secure):
    videos = _videos()
    extra = {"HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "https"} if secure else {}
    context = {"request": _request(**extra)}

    fast = VideoSerializer(videos, many=True, context=context).data
    generic = GenericVideoSerializer(videos, many=True, context={"request": _request(**extra)}).data

    assert [dict(item) for item in fast] == [dict(item) for item in generic]
    assert [list(item) for item in fast] == [list(item) for item in generic]  # the same key order
    one = VideoSerializer(videos[0], context={"request": _request(**extra)}).data
    assert dict(one) == dict(generic[0])
    request = context["request"]
    for video, item in zip(videos, fast, strict=True):  # every media URL is reverse()'s, made absolute
        expected = {
            name: request.build_absolute_uri(reverse("v1:video-media", args=[video.pk, name]))
            for name in (video.master_playlist, video.dash_manifest, video.poster, video.sprite)
            if name
        }
        urls = [
            item["manifests"]["hls"],
            item["manifests"]["dash"],
            item["poster_url"],
            (item["sprite"] or {}).get("url"),
        ]
        assert {url for url in urls if url} <= set(expected.values())
    assert fast[7]["manifests"]["hls"].endswith("/media/hls/m%C3%A4ster%20file.m3u8")
    assert any(item["manifests"]["dash"] for item in fast)
    assert any(item["sprite"] for item in fast)
    assert any(item["poster_url"] is None for item in fast)


def test_owner_serializer_keeps_the_generic_walk_and_its_extra_fields():
    video = VideoFactory()
    data = OwnVideoSerializer(video, context={"request": _request()}).data
    assert data["renditions"][0]["name"] == "240p"
    assert data["manifests"]["hls"] == _request().build_absolute_uri(
        reverse("v1:video-media", args=[video.pk, "master.m3u8"])
    )
