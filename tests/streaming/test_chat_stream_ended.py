"""Chat sockets learn at once that their stream ended (issue 14), not from chat_disabled on send."""

import pytest
from channels.db import database_sync_to_async

from streaming.services import streams
from tests.streaming.helpers import joined, make_stream, next_of, send, verified_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_every_chat_socket_gets_stream_ended_and_the_chat_turns_read_only():
    streamer = await database_sync_to_async(verified_user)(handle="streamer")
    viewer = await database_sync_to_async(verified_user)(handle="viewer")
    stream = await database_sync_to_async(make_stream)(streamer)
    anonymous, _ = await joined(stream)
    signed_in, _ = await joined(stream, viewer)

    ended = await database_sync_to_async(streams.stream_end)(stream=stream, by=streamer)

    expected = {"type": "stream_ended", "ended_at": ended.ended_at.isoformat()}
    status = {
        "type": "status",
        "stream_id": str(stream.pk),
        "status": "ended",
        "started_at": ended.started_at.isoformat() if ended.started_at else None,
        "ended_at": ended.ended_at.isoformat(),
        "ended_reason": ended.ended_reason,
    }
    for socket in (anonymous, signed_in):
        # stream_ended, then the status event the studio's control room follows (docs/streaming.md)
        assert await next_of(socket, "stream_ended") == expected
        assert await next_of(socket, "status") == status
    await send(signed_in, type="message", text="still there?")
    refused = await next_of(signed_in, "error")
    assert refused["code"] == "chat_disabled"
    await anonymous.disconnect()
    await signed_in.disconnect()
