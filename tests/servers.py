"""Real servers for tests: the project's ASGI application served by uvicorn on a free port."""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager

import uvicorn


def free_port() -> int:
    """A free port: any (the kernel's choice), or one of ``FANFARE_PORT_RANGE`` (``8210-8249``) when
    set, for a machine where each developer keeps to a range of ports."""
    low, _, high = os.environ.get("FANFARE_PORT_RANGE", "").partition("-")
    candidates = range(int(low), int(high) + 1) if low and high else [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in FANFARE_PORT_RANGE={os.environ['FANFARE_PORT_RANGE']}")


@contextmanager
def serve_asgi(app, *, timeout: float = 10.0, **options):
    """Serve ``app`` with uvicorn in a thread, with the production server's WebSocket protocol;
    yields the base URL (http://127.0.0.1:PORT). ``options``: more of ``uvicorn.Config``'s."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        ws="core.websocket_protocol:WebSocketProtocol", **options,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        # The handler keeps each finished request's thread for the next request; with the server
        # gone, end them (and their database connections) rather than leave them to the next
        # test and to the interpreter's exit, which joins every one.
        from core.asgi_handler import close_request_threads

        close_request_threads()
