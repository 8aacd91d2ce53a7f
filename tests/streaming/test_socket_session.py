"""A WebSocket's session (accounts.ws_auth.SessionAuthMiddlewareStack, what config.asgi runs).

Channels made an empty session for every handshake without a session cookie, with the
``cached_db`` engine a cache connection too, one per socket (about 1 KB each with 2,000 chat
sockets, bench/README.md, chat_fanout); nothing on a chat socket reads it. It is now made when first
read, and WebSocket frames no longer read it on the way out. What a consumer sees is the same.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.base import SessionBase
from django.utils.functional import empty

from accounts.ws_auth import SessionAuthMiddlewareStack
from tests.factories import UserFactory
from tests.streaming.helpers import session_cookie

SEEN: list[dict] = []


class Recorder(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.send(text_data="welcome")
        session = self.scope["session"]
        SEEN.append({"scope": self.scope, "built_after_a_frame": session._wrapped is not empty})

    async def receive(self, text_data=None, bytes_data=None):
        session = self.scope["session"]
        await self.send(text_data=f"{session.session_key} {await sync_to_async(session.is_empty)()}")


def _app():
    return SessionAuthMiddlewareStack(Recorder.as_asgi())


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_without_a_session_cookie_gets_an_empty_session_made_when_read():
    SEEN.clear()
    communicator = WebsocketCommunicator(_app(), "/ws/x/")
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_from() == "welcome"

    # Not made at the handshake, nor by a frame going out...
    assert SEEN[0]["built_after_a_frame"] is False
    assert SEEN[0]["scope"]["user"].is_anonymous
    # ...and what a consumer reads is what it read before: a new, empty session.
    await communicator.send_to(text_data="read")
    assert await communicator.receive_from() == "None True"
    assert isinstance(SEEN[0]["scope"]["session"]._wrapped, SessionBase)
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_with_a_session_cookie_is_signed_in_with_that_session():
    SEEN.clear()
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    communicator = WebsocketCommunicator(_app(), "/ws/x/", headers=[(b"cookie", cookie)])
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_from() == "welcome"

    scope = SEEN[0]["scope"]
    assert scope["user"].pk == user.pk
    await communicator.send_to(text_data="read")
    assert await communicator.receive_from() == f"{cookie.decode().split('=', 1)[1]} False"
    await communicator.disconnect()
