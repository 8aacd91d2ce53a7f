"""A local file as an HTTP response with byte ranges (``Range: bytes=a-b``), for media views after
their access checks: video playback (content) and live HLS (streaming)."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from rest_framework import status

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
STREAM_BLOCK = 64 * 1024
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg"}


def ranged_file_response(request, path: Path, *, cache_control: str = "private, max-age=60") -> HttpResponse:
    """The whole file (200) or the asked range (206; 416 when it is outside the file)."""
    size = path.stat().st_size
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    match = RANGE.match(request.headers.get("Range", "").strip())
    if not match or match.groups() == ("", ""):
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (FileResponse closes it)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = cache_control
        return response
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        response = HttpResponse(status=status.HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE)
        response["Content-Range"] = f"bytes */{size}"
        return response

    def chunks():
        with open(path, "rb") as file:
            file.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                block = file.read(min(STREAM_BLOCK, remaining))
                if not block:
                    break
                remaining -= len(block)
                yield block

    response = StreamingHttpResponse(chunks(), status=status.HTTP_206_PARTIAL_CONTENT, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    return response
