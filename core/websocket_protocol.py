"""The web server's WebSocket protocol: uvicorn's, with permessage-deflate compressing a broadcast once.

A chat room sends the same frame to every socket in it. With uvicorn's permessage-deflate each
socket compresses it again in a compression context of its own (RFC 7692 "context takeover"): a
room of 2,000 sockets compressed every message 2,000 times, about 20 µs each, a quarter of the
server's CPU in a capacity run (bench/README.md, chat section), and each socket kept its
compressor (about 34 KB) for its whole life.

This protocol negotiates ``server_no_context_takeover``, which RFC 7692 (section 7.1.1.1) lets a
server add to its answer whether or not the client asked for it: each message the server sends is
then compressed on its own, from a fresh compressor, so the compressed bytes depend only on the
payload and the negotiated window size and settings, not on what the socket was sent before. The
same payload is therefore compressed once and the bytes reused for every socket it goes to
(``_compressed``: a small cache keyed by payload, window bits and settings). Each socket receives
exactly the frame it would have got compressed alone (``tests/core/test_websocket_protocol.py``).
No compressor is kept per socket.

The cost is compression ratio: without context takeover a small message cannot refer to the ones
before it. A chat line of 349 bytes goes out as about 231 bytes instead of about 87 (and 349
uncompressed). What the client sends is still decompressed in its own context (the client's
choice), and everything else is uvicorn's ``websockets-sansio`` implementation unchanged.

A room's relay goes one step further (``WebSocketProtocol.send_text_now``): a server's frames are
not masked, so the whole frame on the wire (header and compressed payload) is the same bytes for
every socket that negotiated the same compression, and it is built once (``_wire_text``) and
written to each socket's transport as it is, without the ASGI ``send`` coroutine, a frame object
and a serialization per socket. It applies only where the result is what ``send`` would write:
an open connection that has taken its handshake, is not closing and has room in its buffers;
anything else goes through ``send`` as before.

The production server uses it by name: ``uvicorn ... --ws core.websocket_protocol:WebSocketProtocol``
(README.md, "Production"); ``--ws-per-message-deflate false`` still turns compression off.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import BINARY, TEXT, Frame
from websockets.protocol import State
from websockets.typing import ExtensionParameter

# uvicorn's own permessage-deflate settings (12-bit windows, memLevel 5), plus no context takeover
# for what the server sends.
WINDOW_BITS = 12
COMPRESS_SETTINGS = {"memLevel": 5}
# Payloads up to this size are compressed once and shared; a bigger one (a welcome with a long
# history, say, which goes to one socket) is compressed for its socket alone, as before.
SHARED_MAX_BYTES = 16 * 1024
# How many distinct payloads the cache keeps: a room's broadcast is written to all its sockets in
# one pass of the relay, so only the last few are ever asked for again.
SHARED_ENTRIES = 64
_EMPTY_UNCOMPRESSED_BLOCK = b"\x00\x00\xff\xff"


@functools.lru_cache(maxsize=SHARED_ENTRIES)
def _compressed(payload: bytes, window_bits: int, settings: tuple[tuple[str, int], ...]) -> bytes:
    """``payload`` compressed as one permessage-deflate message without context takeover: a fresh
    compressor, a sync flush, and the flush's empty block (00 00 ff ff) removed (RFC 7692 7.2.1)."""
    compressor = zlib.compressobj(wbits=-window_bits, **dict(settings))
    data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    if data[-4:] != _EMPTY_UNCOMPRESSED_BLOCK:  # zlib always ends a sync flush with it
        raise AssertionError("a sync flush did not end with an empty stored block")
    return data[:-4]


class SharedPerMessageDeflate(PerMessageDeflate):
    """permessage-deflate whose outgoing whole messages, compressed without context takeover, come
    from the shared cache. Anything else (a fragment, a payload over ``SHARED_MAX_BYTES``, a
    connection that kept context takeover) is compressed by the library's own code."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._settings = tuple(sorted(self.compress_settings.items()))

    def encode(self, frame: Frame) -> Frame:
        if (
            self.local_no_context_takeover
            and frame.fin
            and frame.opcode in (TEXT, BINARY)
            and len(frame.data) <= SHARED_MAX_BYTES
        ):
            data = _compressed(bytes(frame.data), self.local_max_window_bits, self._settings)
            return Frame(frame.opcode, data, frame.fin, True, frame.rsv2, frame.rsv3)
        return super().encode(frame)


@functools.lru_cache(maxsize=SHARED_ENTRIES)
def _wire_text(text: str, compression: tuple[int, tuple[tuple[str, int], ...]] | None) -> bytes:
    """The whole server-to-client frame of a text message: ``compression`` is (window bits,
    settings) for permessage-deflate without context takeover, or None for none. The key is the
    relay's own ``str``, whose hash Python keeps, so a hit costs no hashing of the payload."""
    extensions = []
    if compression is not None:
        bits, settings = compression
        extensions = [SharedPerMessageDeflate(False, True, 15, bits, dict(settings))]
    return Frame(TEXT, text.encode()).serialize(mask=False, extensions=extensions)


_NOT_SHAREABLE = object()


def _wire_key(extensions: list[Extension]):
    """What a connection's outgoing frames depend on, as ``_wire_text``'s key; ``_NOT_SHAREABLE``
    when they depend on the connection's own history (context takeover) or on an extension this
    module does not know."""
    if not extensions:
        return None
    if len(extensions) == 1 and isinstance(extensions[0], SharedPerMessageDeflate):
        extension = extensions[0]
        if extension.local_no_context_takeover:
            return (extension.local_max_window_bits, extension._settings)
    return _NOT_SHAREABLE


class SharedDeflateFactory(ServerPerMessageDeflateFactory):
    """uvicorn's permessage-deflate offer with ``server_no_context_takeover``; the extension it
    makes shares compressed payloads (``SharedPerMessageDeflate``)."""

    def __init__(self) -> None:
        super().__init__(
            server_no_context_takeover=True,
            server_max_window_bits=WINDOW_BITS,
            client_max_window_bits=WINDOW_BITS,
            compress_settings=dict(COMPRESS_SETTINGS),
        )

    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        response, extension = super().process_request_params(params, accepted_extensions)
        return response, SharedPerMessageDeflate(
            extension.remote_no_context_takeover,
            extension.local_no_context_takeover,
            extension.remote_max_window_bits,
            extension.local_max_window_bits,
            extension.compress_settings,
        )


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol with ``SharedDeflateFactory`` as its only extension
    (none when ``--ws-per-message-deflate false``)."""

    _frame_key = _NOT_SHAREABLE  # known once the handshake has negotiated the extensions

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.config.ws_per_message_deflate:
            self.conn.available_extensions = [SharedDeflateFactory()]

    def send_text_now(self, text: str) -> bool:
        """Write the text message ``text`` to this socket at once, as the frame shared by every
        socket with the same compression, and return True; or return False, having written
        nothing, when it must go through ``send`` instead (``await send({"type":
        "websocket.send", "text": text})``: before the handshake, once closing or gone, when
        the transport's buffer is over its high-water mark, for a payload over
        ``SHARED_MAX_BYTES`` characters, or a connection whose frames cannot be shared)."""
        if (
            self.disconnected
            or self.close_sent
            or not self.handshake_complete
            or self.initial_response is not None
            or self.conn.state is not State.OPEN
            or not self.writable.is_set()
            or len(text) > SHARED_MAX_BYTES
        ):
            return False
        key = self._frame_key
        if key is _NOT_SHAREABLE:
            key = self._frame_key = _wire_key(self.conn.extensions)
            if key is _NOT_SHAREABLE:
                return False
        pending = self.conn.data_to_send()  # uvicorn writes as it goes: normally nothing
        if pending:
            self.transport.write(b"".join(pending))
        self.transport.write(_wire_text(text, key))
        return True
