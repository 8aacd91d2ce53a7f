"""Playback of outputs in S3: playlists rewritten with signed segment URLs behind the access checks,
S3 presigned GETs fetched from moto's S3 server, CloudFront signatures verified with the public key
of a key generated here, plain CDN URLs for public videos."""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import json
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils import timezone
from moto.server import ThreadedMotoServer

from content.models import Video
from content.selectors import video_playback
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory, VideoFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db
video_root = video_factories.video_root

BUCKET = "fanfare-videos"
DOMAIN = "d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"
MASTER = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=464000,RESOLUTION=426x240\nsource_240p.m3u8\n"
VARIANT = (
    '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="source_240p_init.mp4"\n'
    "#EXTINF:4.0,\nsource_240p_00001.ts\n#EXTINF:2.0,\nsource_240p_00002.ts\n#EXT-X-ENDLIST\n"
)
SEGMENTS = {"source_240p_init.mp4": b"init", "source_240p_00001.ts": b"first", "source_240p_00002.ts": b"second"}


@pytest.fixture
def s3(monkeypatch, settings, video_root):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    httpx.post(f"http://127.0.0.1:{port}/moto-api/reset").raise_for_status()  # moto's state is per process
    settings.VIDEO_S3_BUCKET = BUCKET
    settings.VIDEO_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    settings.VIDEO_PLAYBACK_URL_EXPIRES = 600
    settings.CLOUDFRONT_DOMAIN = settings.CLOUDFRONT_KEY_ID = settings.CLOUDFRONT_PRIVATE_KEY = ""
    client = boto3.client("s3", endpoint_url=settings.VIDEO_S3_ENDPOINT_URL, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


def s3_video(s3, **fields) -> Video:
    """A video MediaConvert finished: its HLS outputs in the bucket."""
    video = VideoFactory(
        master_playlist="hls/source.m3u8", output_storage=Video.Storage.S3, poster="", sprite="",
        dash_manifest="dash/source.mpd", **fields,
    )  # fmt: skip
    prefix = f"videos/{video.pk}/hls/"
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}source.m3u8", Body=MASTER.encode())
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}source_240p.m3u8", Body=VARIANT.encode())
    for name, body in SEGMENTS.items():
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}{name}", Body=body)
    return video


def media(video, name):
    return f"/api/v1/videos/{video.pk}/media/{name}"


def test_a_private_video_plays_through_rewritten_playlists_and_s3_presigned_segments(s3, api_client):
    video = s3_video(s3, visibility=Video.Visibility.PRIVATE)
    api_client.force_authenticate(video.owner)

    detail = api_client.get(f"/api/v1/videos/{video.pk}/").json()
    master = api_client.get(media(video, "hls/source.m3u8"))
    variant = api_client.get(media(video, "hls/source_240p.m3u8"))

    assert detail["manifests"] == {"hls": f"http://testserver{media(video, 'hls/source.m3u8')}", "dash": None}
    assert (master.status_code, master["Content-Type"], master["Cache-Control"]) == (
        200, "application/vnd.apple.mpegurl", "private, no-store",
    )  # fmt: skip
    assert master.content.decode().splitlines()[-1] == f"http://testserver{media(video, 'hls/source_240p.m3u8')}"
    lines = variant.content.decode().splitlines()
    init = lines[2].removeprefix('#EXT-X-MAP:URI="').removesuffix('"')
    segments = [init, lines[4], lines[6]]
    assert [urlsplit(url).path for url in segments] == [f"/{BUCKET}/videos/{video.pk}/hls/{name}" for name in SEGMENTS]
    for url in segments:
        query = parse_qs(urlsplit(url).query)
        assert (query["X-Amz-Algorithm"], query["X-Amz-Expires"]) == (["AWS4-HMAC-SHA256"], ["600"])
    # The signed URLs work as a player uses them: straight from the bucket, no credentials.
    assert [httpx.get(url).content for url in segments] == list(SEGMENTS.values())
    unsigned = httpx.get(segments[1].split("?")[0])
    assert unsigned.status_code == 403


def test_other_files_redirect_to_a_signed_url(s3, api_client):
    video = s3_video(s3, visibility=Video.Visibility.UNLISTED)

    response = api_client.get(media(video, "hls/source_240p_00001.ts"))

    assert response.status_code == 302
    assert httpx.get(response["Location"]).content == b"first"


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [(Video.Visibility.PRIVATE, (404, "not_found")), (Video.Visibility.SUBSCRIBERS, (403, "members_only"))],
)
def test_viewers_without_access_get_no_signed_url(s3, api_client, visibility, expected):
    video = s3_video(s3, visibility=visibility)
    api_client.force_authenticate(VerifiedUserFactory())

    for name in ["hls/source.m3u8", "hls/source_240p.m3u8", "hls/source_240p_00001.ts"]:
        response = api_client.get(media(video, name))
        assert (response.status_code, response.json()["errors"][0]["code"]) == expected
        assert "Signature" not in response.content.decode()
        assert not response.has_header("Location")
    api_client.force_authenticate(None)
    assert api_client.get(media(video, "hls/source.m3u8")).status_code == expected[0]


def test_paths_cannot_leave_the_video_prefix(s3, api_client):
    video = s3_video(s3, visibility=Video.Visibility.UNLISTED)
    other = s3_video(s3, visibility=Video.Visibility.PRIVATE)

    escape = api_client.get(media(video, f"../{other.pk}/hls/source_240p_00001.ts"))
    missing = api_client.get(media(video, "hls/nothing.m3u8"))

    assert escape.status_code == 404
    assert missing.status_code == 404


def cloudfront_b64decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def cloudfront_allows(url: str, *, public_key, now: dt.datetime) -> bool:
    """What CloudFront checks of a custom-policy signed URL: the signature over the policy, the
    resource matching the URL, and the time before DateLessThan."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if query["Key-Pair-Id"] != [KEY_ID]:
        return False
    policy = cloudfront_b64decode(query["Policy"][0])
    try:
        signature = cloudfront_b64decode(query["Signature"][0])
        public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (CloudFront's scheme)
    except InvalidSignature:
        return False
    statement = json.loads(policy)["Statement"][0]
    resource_ok = fnmatch.fnmatchcase(f"{parts.scheme}://{parts.netloc}{parts.path}", statement["Resource"])
    return resource_ok and now.timestamp() < statement["Condition"]["DateLessThan"]["AWS:EpochTime"]


@pytest.fixture
def cloudfront(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.CLOUDFRONT_DOMAIN = DOMAIN
    settings.CLOUDFRONT_KEY_ID = KEY_ID
    settings.CLOUDFRONT_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key.public_key()


def test_cloudfront_signed_segments_verify_cover_the_video_only_and_expire(s3, cloudfront, api_client):
    video = s3_video(s3, visibility=Video.Visibility.SUBSCRIBERS)
    other = s3_video(s3, visibility=Video.Visibility.PRIVATE)
    api_client.force_authenticate(video.owner)
    before = timezone.now()

    detail = api_client.get(f"/api/v1/videos/{video.pk}/").json()
    lines = api_client.get(media(video, "hls/source_240p.m3u8")).content.decode().splitlines()

    assert detail["manifests"]["hls"] == f"http://testserver{media(video, 'hls/source.m3u8')}"
    segment = lines[4]
    assert segment.split("?")[0] == f"https://{DOMAIN}/videos/{video.pk}/hls/source_240p_00001.ts"
    assert cloudfront_allows(segment, public_key=cloudfront, now=timezone.now())
    # One policy for the video's HLS outputs: every segment of this video, nothing of another.
    query = segment.split("?")[1]
    assert cloudfront_allows(
        f"https://{DOMAIN}/videos/{video.pk}/hls/any.ts?{query}", public_key=cloudfront, now=before
    )
    assert not cloudfront_allows(
        f"https://{DOMAIN}/videos/{other.pk}/hls/x.ts?{query}", public_key=cloudfront, now=before
    )
    # It expires VIDEO_PLAYBACK_URL_EXPIRES (600 s) after it was made.
    assert cloudfront_allows(segment, public_key=cloudfront, now=before + dt.timedelta(seconds=598))
    assert not cloudfront_allows(segment, public_key=cloudfront, now=timezone.now() + dt.timedelta(seconds=601))
    # Another key's signature does not verify.
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    assert not cloudfront_allows(segment, public_key=stranger, now=before)


def test_public_videos_are_signed_unless_plain_cdn_is_chosen(s3, cloudfront, api_client):
    public = s3_video(s3, visibility=Video.Visibility.PUBLIC)

    manifests = api_client.get(f"/api/v1/videos/{public.pk}/").json()["manifests"]
    segment = api_client.get(media(public, "hls/source_240p.m3u8")).content.decode().splitlines()[4]

    assert manifests == {"hls": f"http://testserver{media(public, 'hls/source.m3u8')}", "dash": None}
    assert cloudfront_allows(segment, public_key=cloudfront, now=timezone.now())


def test_the_uploaded_source_is_never_signed(s3, cloudfront, api_client):
    video = s3_video(s3, visibility=Video.Visibility.PUBLIC)
    s3.put_object(Bucket=BUCKET, Key=f"videos/{video.pk}/source", Body=b"original")
    segment = api_client.get(media(video, "hls/source_240p.m3u8")).content.decode().splitlines()[4]
    query = segment.split("?")[1]

    assert api_client.get(media(video, "source")).status_code == 404
    assert api_client.get(media(video, "hls/../source")).status_code == 404
    source = f"https://{DOMAIN}/videos/{video.pk}/source?{query}"
    assert not cloudfront_allows(source, public_key=cloudfront, now=timezone.now())


def test_public_videos_use_plain_cdn_urls_when_chosen_unless_geo_rules_apply(s3, cloudfront, api_client, settings):
    settings.VIDEO_PUBLIC_PLAIN_CDN = True
    public = s3_video(s3, visibility=Video.Visibility.PUBLIC)
    geo = s3_video(s3, visibility=Video.Visibility.PUBLIC, geo_deny=["FR"])

    plain = api_client.get(f"/api/v1/videos/{public.pk}/").json()["manifests"]
    checked = api_client.get(f"/api/v1/videos/{geo.pk}/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="DE").json()["manifests"]
    blocked = api_client.get(media(geo, "hls/source.m3u8"), HTTP_CLOUDFRONT_VIEWER_COUNTRY="FR")

    assert plain == {
        "hls": f"https://{DOMAIN}/videos/{public.pk}/hls/source.m3u8",
        "dash": f"https://{DOMAIN}/videos/{public.pk}/dash/source.mpd",
    }
    assert checked == {"hls": f"http://testserver{media(geo, 'hls/source.m3u8')}", "dash": None}
    assert (blocked.status_code, blocked.json()["errors"][0]["code"]) == (451, "geo_restricted")
    assert video_playback.video_plays_from_plain_cdn(video=geo) is False
