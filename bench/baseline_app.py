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
