"""AWS IVS through boto3: one channel per stream, its stream key, playback URL, playback
authorization and live state.

Only ``streaming.services`` call these. Every function takes and returns plain values; errors
from AWS become ``ServiceUnavailableError`` (503 ``ivs_unavailable``) so a request never 500s.
The stream key's value is returned to the caller and never logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from core.errors import ConflictError, ServiceUnavailableError

logger = logging.getLogger(__name__)


@functools.cache
def ivs_client():
    import boto3  # loaded by the first call to AWS, not at start-up (tests/core/test_lazy_imports.py)

    return boto3.client("ivs", region_name=settings.IVS_REGION, endpoint_url=settings.IVS_ENDPOINT_URL)


@functools.cache
def recordings_s3_client():
    import boto3

    return boto3.client("s3", region_name=settings.IVS_REGION, endpoint_url=settings.IVS_S3_ENDPOINT_URL)


@dataclass(frozen=True)
class Channel:
    arn: str
    ingest_endpoint: str
    playback_url: str
    stream_key_arn: str
    stream_key: str


@dataclass(frozen=True)
class LiveState:
    channel_arn: str
    state: str  # LIVE or OFFLINE
    start_time: dt.datetime | None


def _unavailable(operation: str, error: Exception) -> ServiceUnavailableError:
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else type(error).__name__
    logger.warning("IVS %s failed: %s", operation, code)
    return ServiceUnavailableError("The streaming service is unavailable; try again shortly.", code="ivs_unavailable")


def channel_create(*, name: str, record: bool, authorized: bool, tags: dict[str, str]) -> Channel:
    """A channel (recording to the configured bucket when ``record``; requiring playback tokens
    when ``authorized``), with its first stream key."""
    params: dict[str, Any] = {
        "name": name[:128],
        "latencyMode": settings.IVS_LATENCY_MODE,
        "type": settings.IVS_CHANNEL_TYPE,
        "authorized": authorized,
        "tags": tags,
    }
    if record and settings.IVS_RECORDING_CONFIGURATION_ARN:
        params["recordingConfigurationArn"] = settings.IVS_RECORDING_CONFIGURATION_ARN
    try:
        answer = ivs_client().create_channel(**params)
    except (BotoCoreError, ClientError) as error:
        raise _unavailable("create_channel", error) from None
    channel, key = answer["channel"], answer["streamKey"]
    return Channel(
        arn=channel["arn"],
        ingest_endpoint=channel.get("ingestEndpoint", ""),
        playback_url=channel.get("playbackUrl", ""),
        stream_key_arn=key["arn"],
        stream_key=key["value"],
    )


def channel_set_authorized(*, channel_arn: str, authorized: bool) -> None:
    """Turn the channel's playback authorization on or off (``update_channel``).

    IVS does not update a live channel (``ConflictException``): 409 ``visibility_locked_while_live``.
    """
    try:
        ivs_client().update_channel(arn=channel_arn, authorized=authorized)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConflictException":
            raise ConflictError(
                "IVS does not change a live channel's playback protection; change this after the stream.",
                code="visibility_locked_while_live",
            ) from None
        raise _unavailable("update_channel", error) from None
    except BotoCoreError as error:
        raise _unavailable("update_channel", error) from None


def channel_authorizations() -> dict[str, bool]:
    """Every channel's ``authorized`` flag (``list_channels``, all pages), by channel ARN."""
    client = ivs_client()
    flags: dict[str, bool] = {}
    token = None
    try:
        while True:
            page = client.list_channels(**({"nextToken": token} if token else {}))
            for item in page.get("channels", []):
                flags[item["arn"]] = bool(item.get("authorized", False))
            token = page.get("nextToken")
            if not token:
                return flags
    except (BotoCoreError, ClientError) as error:
        raise _unavailable("list_channels", error) from None


def channel_delete(*, channel_arn: str) -> None:
    """Delete the channel (and with it its stream keys). A channel already gone is fine."""
    try:
        ivs_client().delete_channel(arn=channel_arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return
        raise _unavailable("delete_channel", error) from None
    except BotoCoreError as error:
        raise _unavailable("delete_channel", error) from None


def stream_key_replace(*, channel_arn: str, old_key_arn: str) -> tuple[str, str]:
    """Delete the channel's stream key and create another: returns ``(arn, value)``.

    Deleting first means the old key stops working at once (IVS also ends a session using it).
    """
    client = ivs_client()
    try:
        if old_key_arn:
            try:
                client.delete_stream_key(arn=old_key_arn)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
        key = client.create_stream_key(channelArn=channel_arn)["streamKey"]
    except (BotoCoreError, ClientError) as error:
        raise _unavailable("rotate_stream_key", error) from None
    return key["arn"], key["value"]


def live_channels() -> dict[str, LiveState]:
    """Every channel live right now (``list_streams``, all pages), by channel ARN."""
    client = ivs_client()
    states: dict[str, LiveState] = {}
    token = None
    try:
        while True:
            page = client.list_streams(**({"nextToken": token} if token else {}))
            for item in page.get("streams", []):
                states[item["channelArn"]] = LiveState(item["channelArn"], item.get("state", ""), item.get("startTime"))
            token = page.get("nextToken")
            if not token:
                return states
    except (BotoCoreError, ClientError) as error:
        raise _unavailable("list_streams", error) from None


def channel_state(*, channel_arn: str) -> LiveState:
    """The channel's stream right now (``get_stream``); OFFLINE when it is not broadcasting."""
    try:
        item = ivs_client().get_stream(channelArn=channel_arn)["stream"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"ChannelNotBroadcasting", "ResourceNotFoundException"}:
            return LiveState(channel_arn, "OFFLINE", None)
        raise _unavailable("get_stream", error) from None
    except BotoCoreError as error:
        raise _unavailable("get_stream", error) from None
    return LiveState(channel_arn, item.get("state", ""), item.get("startTime"))
