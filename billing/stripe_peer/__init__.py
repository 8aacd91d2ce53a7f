"""The local Stripe peer (``manage.py stripe_peer``; ``billing.stripe_peer.server``).

Why Fanfare has its own rather than localstripe: localstripe lacks prices, disputes, Connect
accounts, transfers, payouts, trials, application fees and webhook endpoints, all of which
Fanfare's billing uses now or in the next issues, and extending it means patching its
internals at run time. This peer is a small, dependency-free HTTP server (the standard
library's ``ThreadingHTTPServer``) built around Stripe's object shapes; it grows with Fanfare.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from billing.stripe_peer.server import make_server, sign

__all__ = ["make_server", "running_peer", "sign"]


@contextmanager
def running_peer(
    host: str = "127.0.0.1", port: int = 0, state_path: Path | None = None
) -> Iterator[tuple[str, object]]:
    """Serve a peer in a thread (fresh, or from ``state_path``); yields (base URL, server)."""
    server = make_server(host, port, state_path)
    thread = threading.Thread(target=server.serve_forever, name="stripe-peer", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
