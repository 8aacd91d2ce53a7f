"""WebSocket handshakes and sessions that meet a failing dependency end with a close code, never a 500.

A consumer that cannot reach the channel layer (Redis down) or the database while it connects
raised out of the ASGI app, and the server answered the handshake with HTTP 500. This guard wraps
the whole WebSocket stack: when the app raises, the socket is accepted if it was not yet (so the
client gets a WebSocket close frame it can read, not a failed HTTP upgrade) and closed with

- 1013 "Try Again Later" when a dependency is down (Redis, PostgreSQL, the network), and
- 1011 "Internal Error" for anything else,

(an unknown path is refused at the handshake, as before, but without the 500),

and the error is logged with its traceback. Clients reconnect with backoff on 1013.
"""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError

from core.errors import ServiceUnavailableError

logger = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013
INTERNAL_ERROR = 1011
UNKNOWN_ROUTE = 4404  # sent before accepting: the client sees the handshake refused
_DEPENDENCY_DOWN = (DatabaseError, OSError, ServiceUnavailableError)


def _dependency_down(error: BaseException) -> bool:
    """Whether ``error`` says a dependency is down: the database, the network, or Redis.

    The redis library (about 20 MB with what it imports) is loaded only by a process that uses Redis
    (the Redis channel layer or cache); a process that never imported it cannot have raised its error,
    so it is looked up here instead of imported (``tests/core/test_lazy_imports.py``).
    """
    if isinstance(error, _DEPENDENCY_DOWN):
        return True
    redis_exceptions = sys.modules.get("redis.exceptions")
    return redis_exceptions is not None and isinstance(error, redis_exceptions.RedisError)


class WebSocketFaultGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        # ``send`` is passed on as it is (some tests and servers look at the bound method).
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        try:
            await self.app(scope, receive, send)
        except ValueError as error:
            if "No route found" not in str(error):
                raise
            # An unknown path (Channels' URLRouter): the handshake is refused (HTTP 403), not a 500.
            logger.info("websocket %s: no such route", scope.get("path"))
            await _send_quietly(send, {"type": "websocket.close", "code": UNKNOWN_ROUTE})
        except Exception as error:
            down = _dependency_down(error)
            logger.error("websocket %s failed: %s", scope.get("path"), error, exc_info=not down)
            # Accept (refused by the server when the socket is already open: harmless), then close.
            await _send_quietly(send, {"type": "websocket.accept"})
            await _send_quietly(send, {"type": "websocket.close", "code": TRY_AGAIN_LATER if down else INTERNAL_ERROR})


async def _send_quietly(send, message) -> None:
    try:
        await send(message)
    except Exception:  # noqa: BLE001 (already open, already closed, or the client is gone: nothing to add)
        logger.debug("websocket: could not send %s", message["type"])


class BrowserOriginValidator:
    """Channels' ``AllowedHostsOriginValidator`` for browsers; native clients need no Origin.

    Browsers always send ``Origin`` on a WebSocket handshake, and cross-site WebSocket hijacking
    works only through the cookies a browser attaches: so a handshake with an ``Origin`` must
    name an allowed host (as before), and one without is a native client (the docs point them
    at ``Authorization: Token``), accepted with its cookies stripped, so that it can never be
    signed in by a session cookie. Without an Origin header, sign in with a token.
    """

    def __init__(self, app):
        from channels.security.websocket import AllowedHostsOriginValidator

        self.app = app
        self.browser = AllowedHostsOriginValidator(app)

    async def __call__(self, scope, receive, send):
        headers = scope.get("headers") or []
        if scope["type"] == "websocket" and not any(name == b"origin" for name, _value in headers):
            without_cookies = [(name, value) for name, value in headers if name != b"cookie"]
            return await self.app(dict(scope, headers=without_cookies), receive, send)
        return await self.browser(scope, receive, send)
