"""The production server's WebSocket protocol (core.websocket_protocol): permessage-deflate without
server context takeover, each payload compressed once and shared by every socket it goes to."""

from __future__ import annotations

import contextlib
import json
import os
import threading

import pytest
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import BINARY, CONT, TEXT, Frame
from websockets.sync.client import connect

from core.websocket_protocol import SHARED_MAX_BYTES, SharedDeflateFactory, SharedPerMessageDeflate, _compressed
from tests.servers import serve_asgi

SETTINGS = {"memLevel": 5}
PAYLOADS = [
    b"",
    b"x",
    json.dumps({"type": "message", "message": {"id": "1", "text": "h\u00e9llo \U0001f600", "sender": None}}).encode(),
    os.urandom(3000),  # incompressible
    b"abc" * (SHARED_MAX_BYTES // 3),  # just under the shared size
]


def server_side(cls=SharedPerMessageDeflate, *, no_takeover: bool = True, bits: int = 12):
    # remote_no_context_takeover, local_no_context_takeover, remote bits, local bits, settings
    return cls(False, no_takeover, 12, bits, dict(SETTINGS))


def client_side(*, bits: int = 12) -> PerMessageDeflate:
    """The client's end of a connection that negotiated server_no_context_takeover."""
    return PerMessageDeflate(True, False, bits, 12, {})


@pytest.mark.parametrize("opcode", [TEXT, BINARY])
@pytest.mark.parametrize("payload", PAYLOADS, ids=["empty", "one", "json", "random", "large"])
def test_shared_frame_is_the_frame_the_library_makes_for_one_socket(payload, opcode):
    """Bit for bit what websockets' own extension sends for that socket, and it decodes back."""
    _compressed.cache_clear()
    frame = Frame(opcode, payload)
    shared = server_side().encode(frame)
    alone = server_side(PerMessageDeflate).encode(frame)
    assert (bytes(shared.data), shared.rsv1, shared.fin, shared.opcode) == (bytes(alone.data), True, True, opcode)
    assert client_side().decode(shared).data == payload
    assert _compressed.cache_info().misses == 1


def test_every_socket_gets_the_same_bytes_compressed_once():
    _compressed.cache_clear()
    payload = json.dumps({"type": "message", "message": {"text": "to everyone"}}).encode()
    extensions = [server_side() for _ in range(50)]
    # Each socket's frame holds its own copy of the payload, as uvicorn encodes the text per socket.
    frames = [ext.encode(Frame(TEXT, bytes(bytearray(payload)))) for ext in extensions]
    assert len({id(f.data) for f in frames}) == 1
    assert (_compressed.cache_info().misses, _compressed.cache_info().hits) == (1, 49)
    # Each socket's own client decodes its copy, message after message (no shared state between
    # messages on the server's side, so a client can decode them in any context it keeps).
    clients = [client_side() for _ in range(3)]
    for text in (b"one", b"two", b"one"):
        sent = server_side().encode(Frame(TEXT, text))
        assert [c.decode(sent).data for c in clients] == [text] * 3


def test_the_window_size_and_settings_are_part_of_the_key():
    _compressed.cache_clear()
    payload = b"the same payload, the same payload, the same payload" * 20
    at_12 = server_side(bits=12).encode(Frame(TEXT, payload))
    at_9 = server_side(bits=9).encode(Frame(TEXT, payload))
    assert _compressed.cache_info().misses == 2
    assert bytes(at_9.data) == bytes(server_side(PerMessageDeflate, bits=9).encode(Frame(TEXT, payload)).data)
    assert client_side(bits=12).decode(at_12).data == payload
    other = SharedPerMessageDeflate(False, True, 12, 12, {"memLevel": 5, "level": 1})
    other.encode(Frame(TEXT, payload))
    assert _compressed.cache_info().misses == 3


def test_what_cannot_be_shared_is_compressed_by_the_library():
    _compressed.cache_clear()
    # Over the size limit: per socket.
    big = os.urandom(SHARED_MAX_BYTES + 1)
    frame = server_side().encode(Frame(BINARY, big))
    assert client_side().decode(frame).data == big
    # A connection that kept context takeover (not what the factory negotiates, but the class must
    # stay correct): the library's own context, message after message.
    kept, reference = server_side(no_takeover=False), server_side(PerMessageDeflate, no_takeover=False)
    decoder = PerMessageDeflate(False, False, 12, 12, {})
    for text in (b"hello hello", b"hello hello", b"bye"):
        ours, theirs = kept.encode(Frame(TEXT, text)), reference.encode(Frame(TEXT, text))
        assert bytes(ours.data) == bytes(theirs.data)
        assert decoder.decode(ours).data == text
    # A fragmented message: the library (first fragment compressed, the continuation after it).
    fragmented = server_side()
    first = fragmented.encode(Frame(TEXT, b"part one ", fin=False))
    rest = fragmented.encode(Frame(CONT, b"part two", fin=True))
    decoder = client_side()
    assert decoder.decode(first).data + decoder.decode(rest).data == b"part one part two"
    assert _compressed.cache_info().currsize == 0


def test_the_factory_adds_server_no_context_takeover_to_any_offer():
    factory = SharedDeflateFactory()
    # A browser's offer: "permessage-deflate; client_max_window_bits"
    response, extension = factory.process_request_params([("client_max_window_bits", None)], [])
    assert ("server_no_context_takeover", None) in response
    assert ("server_max_window_bits", "12") in response
    assert isinstance(extension, SharedPerMessageDeflate)
    assert (extension.local_no_context_takeover, extension.local_max_window_bits) == (True, 12)
    assert extension.remote_no_context_takeover is False  # the client keeps its own context
    assert not hasattr(extension, "encoder")  # no compressor kept for the socket's life
    # A client that asks for a smaller window gets it.
    _, extension = factory.process_request_params([("server_max_window_bits", "10")], [])
    assert extension.local_max_window_bits == 10


BROADCAST: list = []


def make_broadcast_app(*, send_now: bool):
    """Every text frame a client sends goes to every connected client: through the ASGI ``send``,
    or (``send_now``) through ``send_text_now`` where it applies, recording in ``SENT_NOW`` which
    way each frame went and what ``send_text_now`` answers once the socket is gone."""

    async def app(scope, receive, send):
        assert scope["type"] == "websocket"
        await receive()  # connect
        await send({"type": "websocket.accept"})
        BROADCAST.append(send)
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    if send_now:
                        SENT_NOW.append(("after close", send.__self__.send_text_now("too late")))
                    return
                for other in list(BROADCAST):
                    now = send_now and other.__self__.send_text_now(message["text"])
                    if send_now:
                        SENT_NOW.append(("now", now))
                    if not now:
                        await other({"type": "websocket.send", "text": message["text"]})
        finally:
            BROADCAST.remove(send)

    return app


SENT_NOW: list = []
broadcast_app = make_broadcast_app(send_now=False)
send_now_app = make_broadcast_app(send_now=True)


def test_a_broadcast_over_real_sockets_is_compressed_once():
    BROADCAST.clear()
    with serve_asgi(broadcast_app) as base:
        url = base.replace("http", "ws") + "/"
        with contextlib.ExitStack() as stack:
            # websockets' client offers permessage-deflate, as browsers do
            clients = [stack.enter_context(connect(url)) for _ in range(3)]
            offer = clients[0].response.headers["Sec-WebSocket-Extensions"]
            assert offer.startswith("permessage-deflate")
            assert "server_no_context_takeover" in offer
            _compressed.cache_clear()
            texts = ["first \u00e9", "second", "first \u00e9"]  # the repeat: the cache is only a shortcut
            for text in texts:
                clients[1].send(text)
                assert [c.recv(timeout=5) for c in clients] == [text] * 3
            # Each distinct payload compressed once; the other sockets' copies came from the cache.
            info = _compressed.cache_info()
            assert (info.misses, info.hits) == (2, 7)


def test_compression_off_on_the_command_line_means_no_extension():
    BROADCAST.clear()
    with serve_asgi(broadcast_app, ws_per_message_deflate=False) as base:
        client = connect(base.replace("http", "ws") + "/")
        with client:
            assert "Sec-WebSocket-Extensions" not in client.response.headers
            client.send("plain")
            assert client.recv(timeout=5) == "plain"


def test_the_cache_is_safe_across_threads():
    """Each test server (and uvicorn with several loops) may compress from another thread."""
    _compressed.cache_clear()
    payloads = [f"payload {i} ".encode() * 30 for i in range(200)]
    expected = {p: bytes(server_side(PerMessageDeflate).encode(Frame(TEXT, p)).data) for p in payloads}
    wrong: list[bytes] = []

    def work():
        ext = server_side()
        for p in payloads * 3:
            if bytes(ext.encode(Frame(TEXT, p)).data) != expected[p]:
                wrong.append(p)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_every_production_command_names_this_protocol():
    """make run (Procfile), README's production command and the benchmarks' server all run it."""
    from pathlib import Path

    from uvicorn.importer import import_from_string

    from bench.bench_load import PRODUCTION_SERVER
    from core.websocket_protocol import WebSocketProtocol

    root = Path(__file__).resolve().parents[2]
    name = "core.websocket_protocol:WebSocketProtocol"
    web = next(line for line in (root / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert f"--ws {name} " in web
    assert f"--ws {name} " in (root / "README.md").read_text()
    assert PRODUCTION_SERVER[PRODUCTION_SERVER.index("--ws") + 1] == name
    assert import_from_string(name) is WebSocketProtocol


# The relay's shortcut: the whole frame, built once, written to each socket as it is.


def open_server_protocol(extensions):
    from websockets.protocol import State
    from websockets.server import ServerProtocol

    protocol = ServerProtocol(state=State.OPEN)
    protocol.extensions = extensions
    return protocol


@pytest.mark.parametrize("bits", [None, 12, 9])
@pytest.mark.parametrize(
    "text", ["", "short", "h\u00e9llo \U0001f600 " * 40, "x" * 70_000], ids=["empty", "short", "utf8", "long"]
)
def test_the_shared_wire_frame_is_what_the_library_writes_for_the_socket(text, bits):
    from core.websocket_protocol import _wire_key, _wire_text

    extensions = [] if bits is None else [SharedPerMessageDeflate(False, True, 12, bits, dict(SETTINGS))]
    protocol = open_server_protocol(extensions)
    protocol.send_text(text.encode())
    assert _wire_text(text, _wire_key(extensions)) == b"".join(protocol.data_to_send())


def test_frames_that_depend_on_the_connection_are_not_shared():
    from core.websocket_protocol import _NOT_SHAREABLE, _wire_key

    assert _wire_key([]) is None
    assert _wire_key([server_side()]) == (12, (("memLevel", 5),))
    assert _wire_key([server_side(bits=10)]) == (10, (("memLevel", 5),))
    assert _wire_key([server_side(no_takeover=False)]) is _NOT_SHAREABLE  # context takeover
    assert _wire_key([server_side(PerMessageDeflate)]) is _NOT_SHAREABLE  # not ours
    assert _wire_key([server_side(), server_side()]) is _NOT_SHAREABLE


def test_send_text_now_over_real_sockets_with_and_without_compression():
    from core.websocket_protocol import _wire_text

    BROADCAST.clear()
    SENT_NOW.clear()
    with serve_asgi(send_now_app) as base:
        url = base.replace("http", "ws") + "/"
        with contextlib.ExitStack() as stack:
            deflating = [stack.enter_context(connect(url)) for _ in range(2)]
            plain = stack.enter_context(connect(url, compression=None))
            assert "Sec-WebSocket-Extensions" not in plain.response.headers
            clients = [*deflating, plain]
            _wire_text.cache_clear()
            for text in ["one \u00e9", "two", "y" * (SHARED_MAX_BYTES + 1)]:
                plain.send(text)
                assert [c.recv(timeout=5) for c in clients] == [text] * 3
            # Two distinct texts under the limit, each built once per compression (2 keys).
            assert _wire_text.cache_info().misses == 4
            assert SENT_NOW == [("now", True)] * 6 + [("now", False)] * 3  # the long one: through send
            SENT_NOW.clear()
            plain.close()
            deflating[0].send("after")
            assert [c.recv(timeout=5) for c in deflating] == ["after"] * 2
    assert ("after close", False) in SENT_NOW
