"""``core.routes.media_path`` answers what ``reverse()`` answers, for every media route and any name."""

import uuid

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from core.routes import media_path

ROUTES = ["v1:video-media", "v1:stream-media"]
NAMES = [
    "master.m3u8", "hls/240p_0001.ts", "poster.jpg", "mäster file.m3u8", "p?x#y.jpg", "a%20b;c.jpg",
    "x/../y.ts", "ü ñ/%41.ts", "!$&'()*+,;=~:@", "//double", "tab\there",
]  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
def test_media_path_is_reverse(route):
    pk = uuid.uuid4()
    for name in NAMES:
        assert media_path(route, pk, name) == reverse(route, args=[pk, name])


@pytest.mark.parametrize("route", ROUTES)
def test_media_path_follows_the_script_prefix(route):
    pk = uuid.uuid4()
    try:
        for prefix in ["/", "/sub/", "/with space/", "/"]:
            set_script_prefix(prefix)
            assert media_path(route, pk, "index.m3u8") == reverse(route, args=[pk, "index.m3u8"])
    finally:
        set_script_prefix("/")
    assert media_path(route, pk, "index.m3u8").startswith("/api/v1/")


def test_what_reverse_refuses_is_refused():
    with pytest.raises(NoReverseMatch):
        media_path("v1:video-media", uuid.uuid4(), "")
    with pytest.raises(NoReverseMatch):
        media_path("v1:video-media", uuid.uuid4(), "line\nbreak")
    with pytest.raises(NoReverseMatch):
        media_path("v1:video-media", "not-a-uuid", "index.m3u8")
    pk = uuid.uuid4()
    assert media_path("v1:video-media", str(pk), "a b") == reverse("v1:video-media", args=[str(pk), "a b"])
