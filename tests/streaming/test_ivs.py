"""The IVS provider: channel calls against moto's IVS; the operations moto does not implement
(create_stream_key, delete_stream_key, get_stream, list_streams) through botocore's Stubber, each
stubbed on its own and validated against IVS's API model; the EventBridge endpoint with recorded
payloads arriving late, twice and out of order; and the reconciler fixing what events missed."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path

import boto3
import pytest
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from django.utils import timezone
from moto import mock_aws

from notifications.models import Notification
from social.models import Follow
from streaming.models import LiveStream, StreamProviderEvent
from streaming.providers import ivs
from streaming.services import streams
from streaming.services.reconcile import streams_reconcile
from tests.clients import verified_client
from tests.factories import UserFactory
from tests.streaming.factories import creator_factory

pytestmark = pytest.mark.django_db
EVENTS_URL = "/api/v1/streams/ivs/events/"
TOKEN = "ivs-events-token-for-tests"
RECORDING_CONFIG = "arn:aws:ivs:us-east-1:123456789012:recording-configuration/AbCd1234"
SAMPLES = Path(__file__).parent / "events"
S = LiveStream.Status


def sample(name: str, *, channel_arn: str, time: dt.datetime | None = None, event_id: str | None = None) -> dict:
    event = json.loads((SAMPLES / f"{name}.json").read_text())
    event["resources"] = [channel_arn]
    if time is not None:
        event["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ")
    if event_id is not None:
        event["id"] = event_id
    return event


class OperationStubs:
    """botocore's Stubber for chosen operations only: each is answered by a stubbed twin client
    (which checks the parameters and the response against IVS's model); every other operation
    goes to moto."""

    def __init__(self, client, operations: list[str]) -> None:
        self.twin = boto3.client("ivs", region_name="us-east-1")
        self.stubber = Stubber(self.twin)
        self.stubber.activate()
        for operation in operations:
            client.meta.events.register(f"before-call.ivs.{operation}", self._answer)

    def _answer(self, model, params, **kwargs):
        body = params.get("body") or b"{}"
        arguments = json.loads(body) if isinstance(body, bytes | str) else body
        parsed = getattr(self.twin, xform_name(model.name))(**arguments)
        return (AWSResponse(None, 200, {}, None), parsed)


@pytest.fixture
def aws(monkeypatch, settings):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings.STREAMING_PROVIDER = "ivs"
    settings.IVS_REGION = "us-east-1"
    settings.IVS_ENDPOINT_URL = None
    settings.IVS_S3_ENDPOINT_URL = None
    settings.IVS_EVENTS_TOKEN = TOKEN
    settings.IVS_RECORDING_CONFIGURATION_ARN = RECORDING_CONFIG
    ivs.ivs_client.cache_clear()
    ivs.recordings_s3_client.cache_clear()
    with mock_aws():
        yield
    ivs.ivs_client.cache_clear()
    ivs.recordings_s3_client.cache_clear()


@pytest.fixture
def stubs(aws):
    return OperationStubs(ivs.ivs_client(), ["CreateStreamKey", "DeleteStreamKey", "GetStream", "ListStreams"])


@pytest.fixture
def creator():
    return creator_factory()


@pytest.fixture
def ivs_stream(aws, creator):
    return streams.stream_create(owner=creator, title="On IVS", record=True)


def post_event(client, event, token=TOKEN):
    return client.post(EVENTS_URL, event, format="json", HTTP_X_FANFARE_EVENTS_TOKEN=token)


# --- channel calls against moto ---------------------------------------------------------------


def test_create_makes_a_recording_channel_with_key_and_playback(ivs_stream):
    channel = ivs.ivs_client().get_channel(arn=ivs_stream.ivs_channel_arn)["channel"]

    assert ivs_stream.provider == "ivs"
    assert channel["name"] == f"fanfare-{ivs_stream.pk}"
    assert channel["recordingConfigurationArn"] == RECORDING_CONFIG
    assert channel["latencyMode"] == "LOW"
    assert ivs_stream.playback_url == channel["playbackUrl"]
    assert ivs_stream.ingest_endpoint == channel["ingestEndpoint"]
    assert ivs_stream.stream_key.startswith("sk_us-east-1_")
    assert ivs_stream.ivs_stream_key_arn.startswith("arn:aws:ivs:us-east-1:")


def test_owner_view_gives_the_ivs_ingest_url(ivs_stream, creator):
    body = verified_client(creator, api=True).get(f"/api/v1/streams/{ivs_stream.pk}/").json()

    assert body["ingest_url"] == "rtmps://ingest.example.com:443/app/"
    assert body["stream_key"] == ivs_stream.stream_key


def test_a_stream_without_recording_gets_a_channel_without_configuration(aws, creator):
    stream = streams.stream_create(owner=creator, title="No recording")

    channel = ivs.ivs_client().get_channel(arn=stream.ivs_channel_arn)["channel"]
    assert channel["recordingConfigurationArn"] == ""


def test_delete_deletes_the_channel(ivs_stream, creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        streams.stream_delete(stream=ivs_stream, by=creator)

    assert ivs.ivs_client().list_channels()["channels"] == []
    assert LiveStream.all_objects.get(pk=ivs_stream.pk).deleted_at is not None


def test_rotate_deletes_the_old_key_and_creates_another(ivs_stream, stubs, creator):
    old_arn = ivs_stream.ivs_stream_key_arn
    stubs.stubber.add_response("delete_stream_key", {}, {"arn": old_arn})
    stubs.stubber.add_response(
        "create_stream_key",
        {
            "streamKey": {
                "arn": "arn:aws:ivs:us-east-1:123456789012:stream-key/New1",
                "channelArn": ivs_stream.ivs_channel_arn,
                "value": "sk_us-east-1_new",
            }
        },
        {"channelArn": ivs_stream.ivs_channel_arn},
    )

    stream = streams.stream_key_rotate(stream=ivs_stream, by=creator)

    stubs.stubber.assert_no_pending_responses()
    assert (stream.stream_key, stream.ivs_stream_key_arn) == (
        "sk_us-east-1_new",
        "arn:aws:ivs:us-east-1:123456789012:stream-key/New1",
    )


def test_an_ivs_outage_on_create_is_503_and_saves_nothing(aws, creator, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    def down(**kwargs):
        raise EndpointConnectionError(endpoint_url="https://ivs.us-east-1.amazonaws.com")

    monkeypatch.setattr(ivs.ivs_client(), "create_channel", down)

    client = verified_client(creator, api=True)
    client.raise_request_exception = False  # a 5xx is also reported to monitoring, as it should be

    response = client.post("/api/v1/streams/", {"title": "x"}, format="json")

    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "ivs_unavailable"
    assert not LiveStream.all_objects.exists()


# --- the event endpoint ------------------------------------------------------------------------


def test_the_endpoint_refuses_a_wrong_token_and_other_events(api_client, ivs_stream):
    event = sample("stream_start", channel_arn=ivs_stream.ivs_channel_arn)

    assert post_event(api_client, event, token="wrong").status_code == 403
    assert post_event(api_client, event, token="").json()["errors"][0]["code"] == "invalid_token"
    other = copy.deepcopy(event)
    other["source"] = "aws.mediaconvert"
    assert post_event(api_client, other).json()["errors"][0]["code"] == "unsupported_event"
    assert post_event(api_client, {"source": "aws.ivs"}).status_code == 400
    assert api_client.post(EVENTS_URL, [1], format="json", HTTP_X_FANFARE_EVENTS_TOKEN=TOKEN).status_code == 400
    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.SCHEDULED


def test_start_then_end_with_a_duplicate_and_a_late_start(api_client, ivs_stream, django_capture_on_commit_callbacks):
    follower = UserFactory()
    Follow.objects.create(follower=follower, followee=ivs_stream.owner)
    arn = ivs_stream.ivs_channel_arn
    start = sample("stream_start", channel_arn=arn)
    end = sample("stream_end", channel_arn=arn)

    assert post_event(api_client, sample("session_created", channel_arn=arn)).json() == {"status": "ignored"}
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(api_client, start).json() == {"status": "applied"}
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(api_client, start).json() == {"status": "duplicate"}
    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.LIVE
    assert ivs_stream.started_at == dt.datetime(2026, 11, 24, 20, 0, 5, tzinfo=dt.UTC)

    assert post_event(api_client, end).json() == {"status": "applied"}
    # a second "Stream Start" (another delivery id, late) after the end: never backwards
    late = sample("stream_start", channel_arn=arn, event_id=str(uuid.uuid4()))
    assert post_event(api_client, late).json() == {"status": "ignored"}

    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.ENDED
    assert ivs_stream.ended_at == dt.datetime(2026, 11, 24, 20, 42, 10, tzinfo=dt.UTC)
    assert Notification.objects.filter(recipient=follower, kind="stream_live").count() == 1
    assert StreamProviderEvent.objects.filter(stream=ivs_stream).count() == 4
    assert list(
        StreamProviderEvent.objects.filter(stream=ivs_stream).order_by("created_at").values_list("outcome", flat=True)
    ) == ["ignored", "applied", "applied", "ignored"]


def test_end_before_start_out_of_order(api_client, ivs_stream):
    arn = ivs_stream.ivs_channel_arn

    assert post_event(api_client, sample("stream_end", channel_arn=arn)).json() == {"status": "applied"}
    assert post_event(api_client, sample("stream_start", channel_arn=arn)).json() == {"status": "ignored"}

    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.ENDED
    assert ivs_stream.started_at is not None


def test_an_end_older_than_the_known_start_is_ignored(api_client, ivs_stream):
    arn = ivs_stream.ivs_channel_arn
    post_event(api_client, sample("stream_start", channel_arn=arn))
    stale = sample("stream_end", channel_arn=arn, time=dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC))

    assert post_event(api_client, stale).json() == {"status": "ignored"}
    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.LIVE


def test_an_event_for_an_unknown_channel_is_kept_and_ignored(api_client, aws):
    event = sample("stream_start", channel_arn="arn:aws:ivs:us-east-1:123456789012:channel/Nobody")

    assert post_event(api_client, event).json() == {"status": "ignored"}
    assert StreamProviderEvent.objects.get().stream is None


# --- the reconciler ----------------------------------------------------------------------------


def _live(arn: str, start: dt.datetime) -> dict:
    return {
        "streams": [
            {
                "channelArn": arn,
                "streamId": "st-1A2b3c4D5e6F78ghij9Klmn",
                "state": "LIVE",
                "health": "HEALTHY",
                "viewerCount": 3,
                "startTime": start,
            }
        ]
    }


def test_the_reconciler_starts_a_stream_whose_start_event_was_lost(ivs_stream, stubs):
    start = dt.datetime(2026, 11, 24, 20, 0, 5, tzinfo=dt.UTC)
    stubs.stubber.add_response("list_streams", _live(ivs_stream.ivs_channel_arn, start), {})

    assert streams_reconcile() == {"started": 1, "ended": 0}

    ivs_stream.refresh_from_db()
    assert (ivs_stream.status, ivs_stream.started_at) == (S.LIVE, start)


def test_the_reconciler_ends_a_stream_stuck_live_and_the_late_events_then_change_nothing(api_client, ivs_stream, stubs):
    arn = ivs_stream.ivs_channel_arn
    post_event(api_client, sample("stream_start", channel_arn=arn))
    # "Stream End" never arrives; IVS says the channel is offline
    stubs.stubber.add_response("list_streams", {"streams": []}, {})
    stubs.stubber.add_client_error(
        "get_stream",
        service_error_code="ChannelNotBroadcasting",
        http_status_code=404,
        expected_params={"channelArn": arn},
    )

    assert streams_reconcile() == {"started": 0, "ended": 1}
    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.ENDED
    assert ivs_stream.ended_reason == "reconciler: IVS says offline"

    # the lost "Stream End" finally arrives, then a duplicate start: nothing moves
    assert post_event(api_client, sample("stream_end", channel_arn=arn)).json() == {"status": "ignored"}
    assert post_event(api_client, sample("stream_start", channel_arn=arn)).json() == {"status": "duplicate"}
    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.ENDED
    stubs.stubber.assert_no_pending_responses()


def test_the_reconciler_leaves_a_live_channel_live_and_runs_idempotently(api_client, ivs_stream, stubs):
    arn = ivs_stream.ivs_channel_arn
    start = dt.datetime(2026, 11, 24, 20, 0, 5, tzinfo=dt.UTC)
    post_event(api_client, sample("stream_start", channel_arn=arn))
    stubs.stubber.add_response("list_streams", _live(arn, start), {})
    stubs.stubber.add_response("list_streams", _live(arn, start), {})

    assert streams_reconcile() == {"started": 0, "ended": 0}
    assert streams_reconcile() == {"started": 0, "ended": 0}
    ivs_stream.refresh_from_db()
    assert ivs_stream.status == S.LIVE


def test_the_reconcile_command(ivs_stream, stubs):
    from io import StringIO

    from django.core.management import call_command

    stubs.stubber.add_response("list_streams", _live(ivs_stream.ivs_channel_arn, timezone.now()), {})
    stubs.stubber.add_response("list_streams", _live(ivs_stream.ivs_channel_arn, timezone.now()), {})
    said, out = StringIO(), StringIO()

    call_command("streams_reconcile", "--dry-run", stdout=said)
    ivs_stream.refresh_from_db()
    assert (said.getvalue().strip(), ivs_stream.status) == ("would start 1, end 0", S.SCHEDULED)
    call_command("streams_reconcile", stdout=out)

    assert out.getvalue().strip() == "started 1, ended 0"
