"""A client that stops reading must not hold up the room, nor make the server queue for it forever.

Real sockets against uvicorn (the ``asgi_server`` fixture): one client reads its welcome and then
stops reading; the server's buffers for its socket are made small so that a few dozen frames fill
them (as a stalled phone on a bad network would, only sooner). Another client keeps reading.
"""

import concurrent.futures
import contextlib
import json
import socket
import time

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.sync.client import connect
from websockets.uri import parse_uri

from streaming import consumers
from tests.streaming.helpers import make_stream, session_cookie, verified_user

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = 80
TEXT = "x" * 480  # each frame about 700 bytes


def _room_of(stream):
    rooms = [(key, room) for key, room in consumers._rooms.items() if key[1] == str(stream.pk)]
    assert len(rooms) == 1
    (loop, _), room = rooms[0]
    return loop, room


def _on_server_loop(loop, function):
    future = concurrent.futures.Future()

    def run():
        try:
            future.set_result(function())
        except Exception as error:  # noqa: BLE001 - handed to the test thread
            future.set_exception(error)

    loop.call_soon_threadsafe(run)
    return future.result(timeout=5)


def _member_on_port(room, port):
    members = [member for member in room.members if member.scope["client"][1] == port]
    assert len(members) == 1
    return members[0]


class StalledClient:
    """A WebSocket client on a plain socket (websockets' sans-I/O protocol), which reads only when
    told to: the library's own clients read in the background, and this one must be able not to."""

    def __init__(self, url: str, port: int, origin: str) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.socket.connect(("127.0.0.1", port))
        self.protocol = ClientProtocol(parse_uri(url))
        request = self.protocol.connect()
        request.headers["Origin"] = origin
        self.protocol.send_request(request)
        self.socket.sendall(b"".join(self.protocol.data_to_send()))
        self.pending: list[dict] = []

    @property
    def port(self) -> int:
        return self.socket.getsockname()[1]

    def _read(self, deadline: float) -> bool:
        self.socket.settimeout(max(0.01, deadline - time.monotonic()))
        data = self.socket.recv(65536)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                self.pending.append(json.loads(event.data))
        self.socket.sendall(b"".join(self.protocol.data_to_send()))  # pongs, the close echo
        return bool(data)

    def next(self, *, seconds: float = 5) -> dict:
        deadline = time.monotonic() + seconds
        while not self.pending:
            self._read(deadline)
        return self.pending.pop(0)

    def until_closed(self, *, seconds: float = 20) -> tuple[list[dict], int | None]:
        deadline = time.monotonic() + seconds
        while self.protocol.close_rcvd is None and time.monotonic() < deadline and self._read(deadline):
            pass
        assert self.protocol.close_rcvd is not None, "the socket was not closed"
        frames, self.pending = self.pending, []
        return frames, self.protocol.close_rcvd.code


def test_a_client_that_stops_reading_neither_holds_up_the_room_nor_is_queued_for_forever(asgi_server, settings):
    settings.STREAMING_CHAT_SOCKET_BACKLOG = 10
    settings.STREAMING_METRICS_INTERVAL = 60
    streamer = verified_user(handle="streamer")
    stream = make_stream(streamer)
    url = asgi_server.replace("http://", "ws://") + f"/ws/streams/{stream.pk}/chat/"
    origin = {"Origin": "http://127.0.0.1"}

    # The stalled client: a tiny receive buffer; it reads its welcome and nothing more.
    stalled = StalledClient(url, int(asgi_server.rsplit(":", 1)[1]), origin["Origin"])
    assert stalled.next()["type"] == "welcome"
    loop, room = _room_of(stream)
    slow = _member_on_port(room, stalled.port)

    def shrink():
        transport = slow.raw_send.__self__.transport
        transport.set_write_buffer_limits(high=1024)
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2048)

    _on_server_loop(loop, shrink)

    reader = connect(url, additional_headers=origin)
    assert json.loads(reader.recv(timeout=5))["type"] == "welcome"
    sender = connect(url, additional_headers={**origin, "Cookie": session_cookie(streamer).decode()})
    assert json.loads(sender.recv(timeout=5))["type"] == "welcome"

    received = []
    for number in range(MESSAGES):
        sender.send(json.dumps({"type": "message", "text": f"{number} {TEXT}"}))
        # The reader gets each message before the next is sent, while the stalled socket is full.
        while True:
            event = json.loads(reader.recv(timeout=5))
            if event["type"] == "message":
                received.append(int(event["message"]["text"].split()[0]))
                break

    assert received == list(range(MESSAGES))
    # The stalled socket left the room once its backlog passed the limit; nothing is queued for it.
    assert _on_server_loop(loop, lambda: (slow in room.members, len(slow.backlog or ()))) == (False, 0)
    assert _on_server_loop(loop, lambda: len(room.members)) == 2

    # When the client reads again it gets what its buffers held, then too_slow and the 4408 close.
    frames, code = stalled.until_closed()
    assert code == consumers.CLOSE_TOO_SLOW == 4408
    assert frames[-1] == {
        "type": "error",
        "code": "too_slow",
        "detail": "You fell too far behind the chat; reconnect to catch up.",
    }
    texts = [int(frame["message"]["text"].split()[0]) for frame in frames if frame["type"] == "message"]
    assert texts == list(range(len(texts)))  # in order, from the first, none twice
    assert 0 < len(texts) < MESSAGES
    for client in (reader, sender):
        client.close()


def test_room_frames_are_built_once_and_written_to_every_socket(asgi_server, settings):
    """Under the production server's protocol a room event's whole frame is built once and the
    same bytes are written to each socket (core.websocket_protocol: ``send_text_now``)."""
    from core.websocket_protocol import WebSocketProtocol, _wire_text

    settings.STREAMING_METRICS_INTERVAL = 60
    streamer = verified_user(handle="streamer")
    stream = make_stream(streamer)
    url = asgi_server.replace("http://", "ws://") + f"/ws/streams/{stream.pk}/chat/"
    origin = {"Origin": "http://127.0.0.1"}
    stack = contextlib.ExitStack()
    readers = [stack.enter_context(connect(url, additional_headers=origin)) for _ in range(3)]
    cookie = session_cookie(streamer).decode()
    sender = stack.enter_context(connect(url, additional_headers={**origin, "Cookie": cookie}))
    for client in [*readers, sender]:
        assert json.loads(client.recv(timeout=5))["type"] == "welcome"
    loop, room = _room_of(stream)
    shortcuts = _on_server_loop(loop, lambda: [member.send_now for member in room.members])
    assert len(shortcuts) == 4
    assert all(shortcut.__func__ is WebSocketProtocol.send_text_now for shortcut in shortcuts)

    _wire_text.cache_clear()
    sender.send(json.dumps({"type": "message", "text": "hello, room"}))
    frames = [client.recv(timeout=5) for client in [*readers, sender]]
    assert len(set(frames)) == 1
    assert json.loads(frames[0])["message"]["text"] == "hello, room"
    info = _wire_text.cache_info()
    assert (info.misses, info.hits) == (1, 3)  # built once, reused for the other three sockets
    stack.close()
