"""Token sign-in for WebSockets: apps and other non-browser clients send the same
``Authorization: Token <token>`` header on the WebSocket handshake as on REST calls.

Browsers keep using the session cookie (Channels' ``AuthMiddlewareStack``, outside this
middleware). A handshake with a token that is wrong, expired, of a deleted account or of a
signed-out device is accepted and closed at once with code 4401 (a refused handshake would hide
the reason from the client); without the header nothing changes.
"""

from __future__ import annotations

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.conf import settings
from django.utils.functional import SimpleLazyObject
from rest_framework import exceptions

CLOSE_INVALID_TOKEN = 4401


def _user_for_token(token: str):
    """The user the token signs in, or None. Same rules as REST's DeviceTokenAuthentication."""
    from accounts import selectors
    from accounts.api.auth_authentication import DeviceTokenAuthentication

    try:
        user, auth_token = DeviceTokenAuthentication().authenticate_credentials(token.encode())
    except exceptions.AuthenticationFailed:
        return None
    if user.deleted_at is not None:
        return None
    device = selectors.device_for_token(auth_token=auth_token)
    if device is not None and device.revoked_at is not None:
        return None
    return user


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket":
            header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1").strip()
            keyword, _, token = header.partition(" ")
            if keyword.lower() == "token":
                user = await database_sync_to_async(_user_for_token)(token.strip()) if token.strip() else None
                if user is None:
                    return await _refuse(receive, send)
                scope = dict(scope, user=user)
        return await super().__call__(scope, receive, send)


async def _refuse(receive, send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_INVALID_TOKEN})


class SessionAuthMiddleware(AuthMiddleware):
    """Channels' ``AuthMiddleware`` (the session cookie's user in ``scope["user"]``), without its
    trip to the database thread for a handshake that carries no session cookie: such a socket is
    anonymous whatever the database says, and most chat sockets are anonymous viewers'."""

    async def resolve_scope(self, scope):
        if not (scope.get("cookies") or {}).get(settings.SESSION_COOKIE_NAME):
            from django.contrib.auth.models import AnonymousUser

            scope["user"]._wrapped = AnonymousUser()
            return
        await super().resolve_scope(scope)


class _SocketSessionWrapper(InstanceSessionWrapper):
    """Channels' session wrapper, without the work a WebSocket never needs.

    A handshake without a session cookie gets a new, empty session, as before, but made when
    something first reads it: Channels made one per socket (with the ``cached_db`` engine that
    is a cache connection too, one per socket's context), and nothing on a chat socket reads it.
    The wrapper's ``send`` saves a session and sets its cookie only on ``http.response.start``;
    on any other message it only read the session, so those go straight to the server."""

    async def resolve_session(self):
        if self.activated and not self.scope["cookies"].get(self.cookie_name):
            self.scope["session"] = SimpleLazyObject(self.session_store)
            return
        await super().resolve_session()

    async def send(self, message):
        if message["type"] not in self.save_message_types:
            return await self.real_send(message)
        return await super().send(message)


class SocketSessionMiddleware(SessionMiddleware):
    """Channels' ``SessionMiddleware`` with :class:`_SocketSessionWrapper`."""

    async def __call__(self, scope, receive, send):
        wrapper = _SocketSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, wrapper.send)


def SessionAuthMiddlewareStack(inner):
    """Channels' ``AuthMiddlewareStack`` with :class:`SocketSessionMiddleware` and
    :class:`SessionAuthMiddleware`."""
    return CookieMiddleware(SocketSessionMiddleware(SessionAuthMiddleware(inner)))
