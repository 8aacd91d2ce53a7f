import asyncio
import json

import httpx
import pytest
import websockets
from channels.testing import WebsocketCommunicator

from config.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture
def communicator(transactional_db):
    return WebsocketCommunicator(application, "/ws/health/", headers=[ORIGIN])


@pytest.mark.asyncio
async def test_ping_is_answered_with_pong(communicator):
    connected, _ = await communicator.connect()
    assert connected

    await communicator.send_json_to({"type": "ping"})

    assert await communicator.receive_json_from() == {"type": "pong", "authenticated": False}
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("sent", "code"),
    [("not json", "invalid_json"), ('{"type": "hello"}', "unknown_type"), ("[1, 2]", "unknown_type")],
)
async def test_bad_messages_get_an_error_and_the_socket_stays_open(communicator, sent, code):
    await communicator.connect()

    await communicator.send_to(text_data=sent)
    error = await communicator.receive_json_from()
    await communicator.send_json_to({"type": "ping"})

    assert error["type"] == "error"
    assert error["code"] == code
    assert (await communicator.receive_json_from())["type"] == "pong"
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_foreign_origin_is_refused(transactional_db):
    communicator = WebsocketCommunicator(application, "/ws/health/", headers=[(b"origin", b"https://evil.example")])

    connected, _ = await communicator.connect()

    assert not connected


@pytest.mark.asyncio
async def test_an_unknown_route_is_refused(transactional_db):
    communicator = WebsocketCommunicator(application, "/ws/nowhere/", headers=[ORIGIN])

    connected, code = await communicator.connect()

    assert (connected, code) == (False, 4404)  # the handshake is refused (HTTP 403), never a 500


def test_ping_over_a_real_socket_against_the_running_server(asgi_server):
    async def exchange():
        ws_url = asgi_server.replace("http://", "ws://") + "/ws/health/"
        async with websockets.connect(ws_url, origin="http://127.0.0.1") as socket:
            await socket.send(json.dumps({"type": "ping"}))
            return json.loads(await asyncio.wait_for(socket.recv(), 5))

    assert asyncio.run(exchange()) == {"type": "pong", "authenticated": False}


def test_http_and_health_over_the_running_server(asgi_server):
    response = httpx.get(f"{asgi_server}/healthz", timeout=10)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert len(response.headers["X-Request-ID"]) == 32
