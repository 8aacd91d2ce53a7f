"""Private playback on IVS: channels of followers-only and subscribers-only streams require
playback tokens (moto's IVS keeps the ``authorized`` flag), Fanfare signs one per viewer who may
see the stream (verified here with the public half of a P-384 key pair made for the test), nobody
else gets a URL, and without a signing key nothing private is handed out or created."""

from __future__ import annotations

import datetime as dt
import logging
from io import StringIO

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.utils import timezone
from moto import mock_aws

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from notifications.models import Notification
from social.models import Follow
from streaming.checks import ivs_playback_key_check
from streaming.models import LiveStream
from streaming.providers import ivs
from streaming.selectors import playback
from streaming.services import streams
from tests.clients import verified_client
from tests.streaming.factories import VerifiedUserFactory, creator_factory

pytestmark = pytest.mark.django_db
STREAMS = "/api/v1/streams/"
V = LiveStream.Visibility


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def aws(monkeypatch, settings):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings.STREAMING_PROVIDER = "ivs"
    settings.IVS_REGION = "us-east-1"
    settings.IVS_ENDPOINT_URL = None
    settings.IVS_RECORDING_CONFIGURATION_ARN = ""
    ivs.ivs_client.cache_clear()
    with mock_aws():
        yield
    ivs.ivs_client.cache_clear()


@pytest.fixture
def signing_key(settings):
    """A playback key pair as an operator makes one (P-384); its private half in the settings."""
    key = ec.generate_private_key(ec.SECP384R1())
    settings.IVS_PLAYBACK_PRIVATE_KEY = pem(key)
    settings.IVS_PLAYBACK_TOKEN_SECONDS = 300
    settings.IVS_PLAYBACK_ALLOWED_ORIGIN = "*"
    return key


@pytest.fixture
def no_signing_key(settings):
    settings.IVS_PLAYBACK_PRIVATE_KEY = ""


@pytest.fixture
def creator():
    return creator_factory()


def authorized(stream) -> bool:
    return ivs.ivs_client().get_channel(arn=stream.ivs_channel_arn)["channel"]["authorized"]


def go_live(stream) -> LiveStream:
    LiveStream.objects.filter(pk=stream.pk).update(status=LiveStream.Status.LIVE, started_at=timezone.now())
    stream.refresh_from_db()
    return stream


def follower_of(creator):
    user = VerifiedUserFactory()
    Follow.objects.create(follower=user, followee=creator)
    return user


def decode(token: str, key) -> dict:
    return jwt.decode(token, key.public_key(), algorithms=["ES384"])


# --- the channel's authorization follows the visibility ------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [(V.PUBLIC, False), (V.UNLISTED, False), (V.FOLLOWERS, True), (V.SUBSCRIBERS, True)],
)
def test_create_makes_the_channel_private_for_followers_and_subscribers_only(
    aws, signing_key, creator, visibility, expected
):
    stream = streams.stream_create(owner=creator, title="x", visibility=visibility)

    assert authorized(stream) is expected


def test_changing_the_visibility_updates_the_channel_both_ways(aws, signing_key, creator):
    stream = streams.stream_create(owner=creator, title="x")
    assert authorized(stream) is False

    stream = streams.stream_update(stream=stream, by=creator, changes={"visibility": V.FOLLOWERS})
    assert authorized(stream) is True
    stream = streams.stream_update(stream=stream, by=creator, changes={"visibility": V.SUBSCRIBERS})
    assert authorized(stream) is True
    stream = streams.stream_update(stream=stream, by=creator, changes={"visibility": V.UNLISTED})
    assert authorized(stream) is False
    stream = streams.stream_update(stream=stream, by=creator, changes={"visibility": V.PUBLIC})
    assert authorized(stream) is False
    assert LiveStream.objects.get(pk=stream.pk).visibility == V.PUBLIC


def test_the_api_patch_makes_the_channel_private(aws, signing_key, creator):
    stream = streams.stream_create(owner=creator, title="x")

    response = verified_client(creator, api=True).patch(
        f"{STREAMS}{stream.pk}/", {"visibility": "subscribers"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["visibility"] == "subscribers"
    assert authorized(stream) is True


def test_a_live_stream_cannot_cross_between_open_and_private(aws, signing_key, creator):
    stream = go_live(streams.stream_create(owner=creator, title="x", visibility=V.FOLLOWERS))
    client = verified_client(creator, api=True)

    response = client.patch(f"{STREAMS}{stream.pk}/", {"visibility": "public"}, format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "visibility_locked_while_live"
    assert LiveStream.objects.get(pk=stream.pk).visibility == V.FOLLOWERS
    assert authorized(stream) is True
    # within private (or within open) visibilities the channel does not change: allowed live
    response = client.patch(f"{STREAMS}{stream.pk}/", {"visibility": "subscribers"}, format="json")
    assert response.status_code == 200
    assert authorized(stream) is True


def test_ivs_refusing_to_update_a_live_channel_is_409_and_changes_nothing(aws, signing_key, creator, monkeypatch):
    stream = streams.stream_create(owner=creator, title="x")
    # our row says scheduled, but IVS already has the channel live (its "Stream Start" is on the way)
    monkeypatch.setattr(ivs.ivs_client(), "update_channel", _conflict)

    with pytest.raises(ConflictError) as caught:
        streams.stream_update(stream=stream, by=creator, changes={"visibility": V.FOLLOWERS, "title": "y"})

    assert caught.value.code == "visibility_locked_while_live"
    stream.refresh_from_db()
    assert (stream.visibility, stream.title) == (V.PUBLIC, "x")


def _conflict(**kwargs):
    from botocore.exceptions import ClientError

    raise ClientError({"Error": {"Code": "ConflictException", "Message": "channel is live"}}, "UpdateChannel")


def test_an_ivs_outage_on_update_is_503_and_changes_nothing(aws, signing_key, creator, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    stream = streams.stream_create(owner=creator, title="x")

    def down(**kwargs):
        raise EndpointConnectionError(endpoint_url="https://ivs.us-east-1.amazonaws.com")

    monkeypatch.setattr(ivs.ivs_client(), "update_channel", down)
    client = verified_client(creator, api=True)
    client.raise_request_exception = False

    response = client.patch(f"{STREAMS}{stream.pk}/", {"visibility": "followers"}, format="json")

    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "ivs_unavailable"
    assert LiveStream.objects.get(pk=stream.pk).visibility == V.PUBLIC


# --- playback tokens -----------------------------------------------------------------------------


def test_a_follower_gets_a_url_with_a_token_for_them(aws, signing_key, creator):
    stream = go_live(streams.stream_create(owner=creator, title="x", visibility=V.FOLLOWERS))
    follower = follower_of(creator)
    channel = ivs.ivs_client().get_channel(arn=stream.ivs_channel_arn)["channel"]
    before = int(timezone.now().timestamp())

    body = verified_client(follower, api=True).get(f"{STREAMS}{stream.pk}/").json()

    after = int(timezone.now().timestamp())
    base, _, query = body["playback_url"].partition("?")
    assert base == channel["playbackUrl"]
    assert query.startswith("token=")
    token = query.removeprefix("token=")
    assert jwt.get_unverified_header(token) == {"alg": "ES384", "typ": "JWT"}
    claims = decode(token, signing_key)
    assert set(claims) == {"aws:channel-arn", "aws:access-control-allow-origin", "aws:viewer-id", "exp"}
    assert claims["aws:channel-arn"] == stream.ivs_channel_arn
    assert claims["aws:access-control-allow-origin"] == "*"
    assert claims["aws:viewer-id"] == str(follower.pk)
    assert before + 300 <= claims["exp"] <= after + 300
    expires_at = dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC)
    assert dt.datetime.fromisoformat(body["playback_expires_at"]) == expires_at
    # another key's public half does not verify it
    with pytest.raises(jwt.InvalidSignatureError):
        decode(token, ec.generate_private_key(ec.SECP384R1()))


def test_the_token_expires_after_the_configured_seconds(aws, signing_key, settings, creator):
    settings.IVS_PLAYBACK_TOKEN_SECONDS = 60
    settings.IVS_PLAYBACK_ALLOWED_ORIGIN = "https://fanfare.example"
    stream = go_live(streams.stream_create(owner=creator, title="x", visibility=V.SUBSCRIBERS))
    now = timezone.now()

    fresh = playback.stream_playback(stream=stream, user=creator, now=now - dt.timedelta(seconds=55))
    stale = playback.stream_playback(stream=stream, user=creator, now=now - dt.timedelta(seconds=65))

    claims = decode(fresh.url.partition("?token=")[2], signing_key)
    assert claims == {
        "aws:channel-arn": stream.ivs_channel_arn,
        "aws:access-control-allow-origin": "https://fanfare.example",
        "aws:viewer-id": str(creator.pk),
        "exp": int((now - dt.timedelta(seconds=55)).timestamp()) + 60,
    }
    assert fresh.expires_at == (now - dt.timedelta(seconds=55)).replace(microsecond=0) + dt.timedelta(seconds=60)
    with pytest.raises(jwt.ExpiredSignatureError):
        decode(stale.url.partition("?token=")[2], signing_key)


def test_the_owner_gets_a_token_and_a_follower_gets_one_in_the_owners_list(aws, signing_key, creator):
    stream = go_live(streams.stream_create(owner=creator, title="x", visibility=V.FOLLOWERS))
    follower = follower_of(creator)

    own = verified_client(creator, api=True).get(f"{STREAMS}{stream.pk}/").json()
    listed = verified_client(follower, api=True).get(STREAMS, {"owner": str(creator.pk)}).json()["results"]

    assert decode(own["playback_url"].partition("?token=")[2], signing_key)["aws:viewer-id"] == str(creator.pk)
    assert [item["id"] for item in listed] == [str(stream.pk)]
    token = listed[0]["playback_url"].partition("?token=")[2]
    assert decode(token, signing_key)["aws:viewer-id"] == str(follower.pk)


@pytest.mark.parametrize("visibility", [V.PUBLIC, V.UNLISTED])
def test_open_streams_keep_the_plain_url(aws, signing_key, creator, api_client, visibility):
    stream = go_live(streams.stream_create(owner=creator, title="x", visibility=visibility))

    body = api_client.get(f"{STREAMS}{stream.pk}/").json()

    assert body["playback_url"] == stream.playback_url
    assert stream.playback_url.startswith("https://")
    assert "?" not in body["playback_url"]
    assert body["playback_expires_at"] is None


def test_viewers_who_may_not_see_the_stream_get_no_url(aws, signing_key, creator, api_client):
    followers = go_live(streams.stream_create(owner=creator, title="f", visibility=V.FOLLOWERS))
    subscribers = go_live(streams.stream_create(owner=creator_factory(), title="s", visibility=V.SUBSCRIBERS))
    stranger = verified_client(VerifiedUserFactory(), api=True)

    for client, stream, code in [
        (api_client, followers, "followers_only"),
        (stranger, followers, "followers_only"),
        (api_client, subscribers, "members_only"),
        (stranger, subscribers, "members_only"),
    ]:
        response = client.get(f"{STREAMS}{stream.pk}/")
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == code
        assert "playback_url" not in response.json()
        with pytest.raises(PermissionDeniedError) as caught:
            playback.stream_playback(stream=stream, user=None)
        assert caught.value.code == code


def test_a_scheduled_private_stream_has_no_url_yet(aws, signing_key, creator):
    stream = streams.stream_create(owner=creator, title="x", visibility=V.FOLLOWERS)

    body = verified_client(follower_of(creator), api=True).get(f"{STREAMS}{stream.pk}/").json()

    assert (body["playback_url"], body["playback_expires_at"]) == (None, None)


def test_the_go_live_notification_has_no_bare_url_of_a_private_channel(aws, signing_key, creator):
    private = go_live(streams.stream_create(owner=creator, title="p", visibility=V.FOLLOWERS))
    other = creator_factory()
    public = go_live(streams.stream_create(owner=other, title="o", visibility=V.PUBLIC))
    fan = follower_of(creator)
    Follow.objects.create(follower=fan, followee=other)

    streams.stream_live_fanout_batch(stream_id=private.pk)
    streams.stream_live_fanout_batch(stream_id=public.pk)

    notes = Notification.objects.filter(recipient=fan, kind="stream_live")
    assert {note.data["stream_id"]: note.data["playback_url"] for note in notes} == {
        str(private.pk): None,
        str(public.pk): public.playback_url,
    }
    assert public.playback_url.startswith("https://")


# --- without a signing key -----------------------------------------------------------------------


@pytest.fixture
def private_live_stream(aws, settings, creator):
    """A followers-only live stream made while a key was set; then the key is gone."""
    settings.IVS_PLAYBACK_PRIVATE_KEY = pem(ec.generate_private_key(ec.SECP384R1()))
    stream = go_live(streams.stream_create(owner=creator, title="x", visibility=V.FOLLOWERS))
    settings.IVS_PLAYBACK_PRIVATE_KEY = ""
    return stream


def test_without_a_key_a_private_stream_gets_503_and_no_url(private_live_stream, creator, caplog):
    client = verified_client(follower_of(creator), api=True)
    client.raise_request_exception = False

    with caplog.at_level(logging.ERROR, logger="streaming.selectors.playback"):
        response = client.get(f"{STREAMS}{private_live_stream.pk}/")

    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "playback_auth_unconfigured"
    assert private_live_stream.playback_url not in response.content.decode()
    assert [record.getMessage() for record in caplog.records if record.name == "streaming.selectors.playback"] == [
        f"stream {private_live_stream.pk}: private IVS playback needs a signing key: "
        "IVS_PLAYBACK_PRIVATE_KEY is not set"
    ]


def test_without_a_key_lists_show_the_private_stream_without_a_url(private_live_stream, creator):
    body = verified_client(creator, api=True).get(f"{STREAMS}mine/").json()

    assert [(item["id"], item["playback_url"]) for item in body["results"]] == [(str(private_live_stream.pk), None)]


def test_a_broken_key_is_refused_like_a_missing_one(private_live_stream, settings, creator):
    settings.IVS_PLAYBACK_PRIVATE_KEY = pem(ec.generate_private_key(ec.SECP256R1()))  # P-256: not ES384's curve

    with pytest.raises(ApplicationError) as caught:
        playback.stream_playback(stream=private_live_stream, user=creator)

    assert (caught.value.code, caught.value.status_code) == ("playback_auth_unconfigured", 503)


def test_without_a_key_private_streams_are_not_created_or_made(aws, no_signing_key, creator):
    client = verified_client(creator, api=True)
    client.raise_request_exception = False

    response = client.post(STREAMS, {"title": "x", "visibility": "subscribers"}, format="json")

    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "playback_auth_unconfigured"
    assert not LiveStream.all_objects.exists()
    assert ivs.ivs_client().list_channels()["channels"] == []

    public = streams.stream_create(owner=creator, title="open")
    response = client.patch(f"{STREAMS}{public.pk}/", {"visibility": "followers"}, format="json")
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "playback_auth_unconfigured"
    assert LiveStream.objects.get(pk=public.pk).visibility == V.PUBLIC
    assert authorized(public) is False


def test_the_local_provider_needs_no_key(settings, no_signing_key, creator, api_client):
    settings.STREAMING_PROVIDER = "local"
    stream = go_live(streams.stream_create(owner=creator, title="x", visibility=V.FOLLOWERS))

    body = verified_client(creator, api=True).get(f"{STREAMS}{stream.pk}/").json()

    assert body["playback_url"] == f"http://testserver/api/v1/streams/{stream.pk}/media/index.m3u8"
    assert body["playback_expires_at"] is None


# --- the system check ----------------------------------------------------------------------------


def test_the_check_warns_when_ivs_has_no_key_and_errs_on_a_bad_one(settings):
    settings.STREAMING_PROVIDER = "ivs"
    settings.IVS_PLAYBACK_TOKEN_SECONDS = 300
    settings.IVS_PLAYBACK_PRIVATE_KEY = ""
    assert [message.id for message in ivs_playback_key_check()] == ["streaming.W001"]

    settings.IVS_PLAYBACK_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    assert [message.id for message in ivs_playback_key_check()] == ["streaming.E001"]

    settings.IVS_PLAYBACK_PRIVATE_KEY = pem(ec.generate_private_key(ec.SECP256R1()))
    assert [message.id for message in ivs_playback_key_check()] == ["streaming.E001"]

    settings.IVS_PLAYBACK_PRIVATE_KEY = pem(ec.generate_private_key(ec.SECP384R1()))
    assert ivs_playback_key_check() == []

    settings.IVS_PLAYBACK_TOKEN_SECONDS = 0
    assert [message.id for message in ivs_playback_key_check()] == ["streaming.E002"]

    settings.IVS_PLAYBACK_TOKEN_SECONDS = 300
    settings.STREAMING_PROVIDER = "local"
    settings.IVS_PLAYBACK_PRIVATE_KEY = ""
    assert ivs_playback_key_check() == []


# --- existing channels ---------------------------------------------------------------------------


def test_the_sync_command_protects_channels_made_before_private_playback(aws, signing_key, creator):
    # given: channels as they were made before (authorized: false for every visibility)
    scheduled = streams.stream_create(owner=creator, title="s", visibility=V.FOLLOWERS)
    live = go_live(streams.stream_create(owner=creator_factory(), title="l", visibility=V.SUBSCRIBERS))
    ended = streams.stream_create(owner=creator_factory(), title="e", visibility=V.FOLLOWERS)
    public = streams.stream_create(owner=creator_factory(), title="p", visibility=V.PUBLIC)
    for stream in (scheduled, live, ended):
        ivs.ivs_client().update_channel(arn=stream.ivs_channel_arn, authorized=False)
    ivs.ivs_client().update_channel(arn=public.ivs_channel_arn, authorized=True)  # a failed commit's drift
    LiveStream.objects.filter(pk=ended.pk).update(status=LiveStream.Status.ENDED)

    dry = StringIO()
    call_command("ivs_channels_sync_authorization", "--dry-run", stdout=dry)
    assert dry.getvalue().strip() == "would change: protected 1, opened 1, left live 1, channel missing 0"
    assert authorized(scheduled) is False

    out = StringIO()
    call_command("ivs_channels_sync_authorization", stdout=out)

    assert out.getvalue().strip() == "protected 1, opened 1, left live 1, channel missing 0"
    assert [authorized(stream) for stream in (scheduled, live, ended, public)] == [True, False, False, False]
    again = StringIO()
    call_command("ivs_channels_sync_authorization", stdout=again)
    assert again.getvalue().strip() == "protected 0, opened 0, left live 1, channel missing 0"
