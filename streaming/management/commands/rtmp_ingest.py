import asyncio
import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve the local RTMP ingest: OBS/ffmpeg publish to rtmp://<host>:<port>/live/<stream key>; "
        "the key is checked, and good publishes become HLS that Fanfare serves (docs/streaming.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.STREAMING_RTMP_HOST)
        parser.add_argument("--port", type=int, default=settings.STREAMING_RTMP_PORT)

    def handle(self, *args, host: str, port: int, **options):
        from streaming.rtmp_ingest import IngestServer

        async def main():
            server = IngestServer()
            await server.start(host=host, port=port)
            self.stdout.write(f"RTMP ingest on rtmp://{host}:{port}/live/<stream key> (Ctrl-C stops it)")
            await server.serve_forever()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
