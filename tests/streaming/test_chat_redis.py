"""Chat across two servers sharing Redis (the channel layer and the cache), as two processes behind
a load balancer would. Two uvicorn servers run in this process, each on its own event loop,
so each has its own connections to Redis and every event crosses Redis between them."""

import asyncio
import json
import os

import pytest
import websockets
from channels.layers import channel_layers

from config.asgi import application
from tests.servers import serve_asgi
from tests.streaming.helpers import make_stream, session_cookie, verified_user

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="needs a Redis server: set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it"
)


@pytest.fixture
def redis_everywhere(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "fanfare-test"},
        }
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    settings.STREAMING_METRICS_INTERVAL = 0.5
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def _socket(base: str, stream, cookie: bytes | None = None):
    url = base.replace("http://", "ws://") + f"/ws/streams/{stream.pk}/chat/"
    headers = {"Cookie": cookie.decode()} if cookie else None
    socket = await websockets.connect(url, origin="http://127.0.0.1", additional_headers=headers)
    welcome = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert welcome["type"] == "welcome"
    return socket


async def _next(socket, event_type: str, timeout: float = 10, **fields) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if message["type"] == event_type and all(message.get(k) == v for k, v in fields.items()):
            return message


async def _close_code(socket) -> int:
    try:
        while True:
            await asyncio.wait_for(socket.recv(), 10)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code


def test_messages_bans_limits_and_metrics_cross_servers(transactional_db, redis_everywhere):
    owner, alice = verified_user(), verified_user(handle="alice_redis")
    stream = make_stream(owner)
    owner_cookie, alice_cookie = session_cookie(owner), session_cookie(alice)

    with serve_asgi(application) as server_a, serve_asgi(application) as server_b:

        async def scenario():
            reader_b = await _socket(server_b, stream)
            writer_a = await _socket(server_a, stream, alice_cookie)
            streamer_b = await _socket(server_b, stream, owner_cookie)

            # A message sent on A reaches a reader on B.
            await writer_a.send(json.dumps({"type": "message", "text": "hello from A"}))
            event = await _next(reader_b, "message")
            assert (event["message"]["text"], event["message"]["sender"]["handle"]) == ("hello from A", "alice_redis")

            # Metrics (computed from the database, published by one of the two servers) reach both.
            # (A tick may come before the third socket is counted: wait for the one that counts it.)
            metrics_b = await _next(reader_b, "metrics", viewers=3)
            metrics_a = await _next(writer_a, "metrics", at=metrics_b["at"])
            assert (metrics_a["viewers"], metrics_a["peak_viewers"]) == (3, 3)

            # The rate limit counts across servers: two more on A, then a fourth on a socket on B.
            writer_b = await _socket(server_b, stream, alice_cookie)
            for text in ("two", "three"):
                await writer_a.send(json.dumps({"type": "message", "text": text}))
                await _next(writer_a, "message")
            await writer_b.send(json.dumps({"type": "message", "text": "four"}))
            error = await _next(writer_b, "error")
            assert error["code"] == "rate_limited"

            # The streamer on B bans Alice: her sockets on A and B close with 4406.
            await streamer_b.send(json.dumps({"type": "ban", "user_id": str(alice.pk), "reason": "spam"}))
            for socket in (writer_a, writer_b):
                assert (await _next(socket, "error"))["code"] == "banned"
                assert await _close_code(socket) == 4406
            for socket in (reader_b, streamer_b):
                await socket.close()

        asyncio.run(scenario())
