"""The baseline: a bare ASGI app answering with the same bytes as Fanfare's API root."""

BODY = b'{"name":"Fanfare","version":"v1","schema":"http://127.0.0.1/api/schema/","docs":"http://127.0.0.1/api/docs/"}'


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


def _sized_bodies() -> dict[str, bytes]:
    """Per path, a JSON body of the byte size named in ``BENCH_BASELINE_BODIES`` ({path: size})."""
    import json
    import os

    bodies = {}
    for path, size in json.loads(os.environ.get("BENCH_BASELINE_BODIES", "{}")).items():
        filler = max(size - len(b'{"x":""}'), 0)
        bodies[path] = b'{"x":"' + b"a" * filler + b'"}'
    return bodies


_SIZED = _sized_bodies()


async def sized_app(scope, receive, send):
    """The load benchmark's baseline: for each path, a body as large as Fanfare's answer there."""
    if scope["type"] != "http":
        return
    body = _SIZED.get(scope["path"], BODY)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
