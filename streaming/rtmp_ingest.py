"""The local RTMP ingest: a pure-Python RTMP server (pyrtmp) in front of ffmpeg.

ffmpeg's own RTMP listener (``-listen 1``) takes any stream key, so the key is checked here, on
``publish``, through ``streaming.services.ingest`` (sync services wrapped with ``sync_to_async``).
A good key starts one ffmpeg per publisher that reads the FLV tags from its stdin and writes HLS
(``-c copy``: no transcoding, so publishers send H.264 + AAC, OBS's default) to
``STREAM_ROOT/<stream id>/index.m3u8``; a wrong key gets ``NetStream.Publish.BadName`` and the
connection is closed. Unpublish or disconnect ends the stream. Every few seconds the session
checks that its key is still the stream's key: a rotated key cuts the session at once (the stream
stays live for the new key; the reconciler ends it if nobody comes back).

The key is never logged: pyrtmp dumps every message at DEBUG (the key is in ``publish``), so its
loggers are held at WARNING, and our log lines name the stream id only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

import imageio_ffmpeg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from core.errors import ApplicationError
from streaming.selectors.streams import stream_dir
from streaming.services import ingest

logger = logging.getLogger(__name__)


def _import_pyrtmp():
    # pyrtmp.rtmp calls logging.basicConfig(level=DEBUG) at import: keep the root logger as it was.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import pyrtmp.rtmp
    from pyrtmp import messages

    root.handlers[:] = handlers
    root.setLevel(level)
    for name in list(logging.root.manager.loggerDict):
        if name == "pyrtmp" or name.startswith("pyrtmp."):
            logging.getLogger(name).setLevel(logging.WARNING)
    return pyrtmp.rtmp, messages


rtmp, pyrtmp_messages = _import_pyrtmp()
from pyrtmp import StreamClosedException  # noqa: E402
from pyrtmp.amf.serializers import AMF0Serializer  # noqa: E402
from pyrtmp.flv import FLVMediaType, FLVWriter  # noqa: E402
from pyrtmp.messages import Chunk  # noqa: E402

KEY_CHECK_SECONDS = 3.0


def _db(function):
    """A service call from the event loop: in Django's sync thread, with stale connections closed."""

    def call(**kwargs):
        close_old_connections()
        try:
            return function(**kwargs)
        finally:
            close_old_connections()

    # Not thread-sensitive: a slow call (an eager recording task after an end) must not hold up
    # the key checks of other publishers.
    return sync_to_async(call, thread_sensitive=False)


def hls_command(*, output_dir, record: bool) -> list[str]:
    """ffmpeg: FLV on stdin to HLS (stream copy). A recorded stream keeps every segment in the playlist."""
    flags = "independent_segments+append_list" + ("" if record else "+delete_segments")
    return [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
        "-f", "flv", "-i", "pipe:0",
        "-c", "copy", "-f", "hls",
        "-hls_time", str(settings.STREAMING_HLS_SEGMENT_SECONDS),
        "-hls_list_size", "0" if record else "10",
        "-hls_flags", flags,
        "-hls_segment_filename", str(output_dir / "seg_%06d.ts"),
        str(output_dir / "index.m3u8"),
    ]  # fmt: skip


@dataclass
class Publisher:
    stream_id: str
    stream_key: str = field(repr=False)
    process: asyncio.subprocess.Process
    flv: FLVWriter
    checked_at: float
    cut_for_rotation: bool = False


def _publish_refusal(message, *, code: str, description: str) -> Chunk:
    from bitstring import BitStream

    data = BitStream()
    AMF0Serializer.create_object(data, "onStatus")
    AMF0Serializer.create_object(data, 0)
    AMF0Serializer.create_object(data, None)
    AMF0Serializer.create_object(data, {"level": "error", "code": code, "description": description})
    return Chunk(
        chunk_type=0, chunk_id=3, timestamp=0, msg_length=len(data.bytes), msg_type_id=0x14,
        msg_stream_id=message.msg_stream_id, payload=data.bytes,
    )  # fmt: skip


class IngestController(rtmp.SimpleRTMPController):
    """pyrtmp's controller with the key check, the ffmpeg pipe and the stream's status."""

    def __init__(self) -> None:
        self.publishers: dict[int, Publisher] = {}

    async def client_callback(self, reader, writer) -> None:
        try:
            await super().client_callback(reader, writer)
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def on_ns_publish(self, session, message) -> None:
        stream_key = str(message.publishing_name or "").split("?", 1)[0]
        try:
            stream = await _db(ingest.ingest_publish_start)(stream_key=stream_key)
        except ApplicationError as error:
            session.write_chunk_to_stream(
                _publish_refusal(message, code="NetStream.Publish.BadName", description=error.code)
            )
            await session.drain()
            raise StreamClosedException() from None
        output_dir = stream_dir(stream.pk)
        output_dir.mkdir(parents=True, exist_ok=True)
        process = await asyncio.create_subprocess_exec(
            *hls_command(output_dir=output_dir, record=stream.record),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        publisher = Publisher(str(stream.pk), stream_key, process, FLVWriter(), time.monotonic())
        self.publishers[id(session)] = publisher
        process.stdin.write(publisher.flv.write_header())
        logger.info("ingest: stream %s publishing", stream.pk)
        await super().on_ns_publish(session, message)

    async def _write(self, session, message, media_type) -> None:
        publisher = self.publishers.get(id(session))
        if publisher is None:
            return
        if time.monotonic() - publisher.checked_at > KEY_CHECK_SECONDS:
            publisher.checked_at = time.monotonic()
            current = await _db(ingest.ingest_key_current)(
                stream_id=publisher.stream_id, stream_key=publisher.stream_key
            )
            if not current:
                publisher.cut_for_rotation = True
                logger.info("ingest: stream %s: key no longer valid, session cut", publisher.stream_id)
                raise StreamClosedException()
        try:
            publisher.process.stdin.write(publisher.flv.write(message.timestamp, message.payload, media_type))
            await publisher.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            logger.warning("ingest: stream %s: ffmpeg stopped reading", publisher.stream_id)
            raise StreamClosedException() from None

    async def on_metadata(self, session, message) -> None:
        pass

    async def on_video_message(self, session, message) -> None:
        await self._write(session, message, FLVMediaType.VIDEO)

    async def on_audio_message(self, session, message) -> None:
        await self._write(session, message, FLVMediaType.AUDIO)

    async def on_ns_delete_stream(self, session, message) -> None:
        await self._finish(session)

    async def on_ns_close_stream(self, session, message) -> None:
        await self._finish(session)

    async def on_unknown_message(self, session, message) -> None:
        pass  # FCUnpublish, releaseStream and the like: nothing to do

    async def cleanup(self, session) -> None:
        await self._finish(session)

    async def _finish(self, session) -> None:
        publisher = self.publishers.pop(id(session), None)
        if publisher is None:
            return
        process = publisher.process
        with contextlib.suppress(Exception):
            process.stdin.close()
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        except TimeoutError:
            process.kill()
            stderr = b""
        if process.returncode:
            logger.warning(
                "ingest: stream %s: ffmpeg exited %s: %s",
                publisher.stream_id, process.returncode, stderr.decode(errors="replace")[-500:],
            )  # fmt: skip
        if publisher.cut_for_rotation:
            return
        await _db(ingest.ingest_publish_stop)(stream_id=publisher.stream_id)
        logger.info("ingest: stream %s stopped publishing", publisher.stream_id)


class IngestServer:
    """One listening socket; each connection gets the shared controller's checks."""

    def __init__(self) -> None:
        self.controller = IngestController()
        self.server: asyncio.base_events.Server | None = None

    async def start(self, *, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: rtmp.RTMPProtocol(controller=self.controller), host, port)
        logger.info("ingest: listening on rtmp://%s:%s/live/<stream key>", host, port)

    async def serve_forever(self) -> None:
        assert self.server is not None
        async with self.server:
            await self.server.serve_forever()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
