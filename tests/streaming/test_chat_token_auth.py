"""Apps sign in to the chat socket with the same ``Authorization: Token`` header as on REST."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from accounts.ws_auth import CLOSE_INVALID_TOKEN
from streaming.models import StreamChat
from tests.streaming.helpers import closed_with, connect, joined, make_stream, next_of, send, verified_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

db = database_sync_to_async
PASSWORD = "correct horse battery staple"


def token_login(user) -> str:
    response = APIClient().post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD, "client": "token"})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def token_logout(token: str) -> None:
    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").post("/api/v1/auth/logout/")
    assert response.status_code in {200, 204}, response.content


@pytest.fixture
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


async def test_an_app_sends_with_its_token(quiet_metrics):
    owner = await db(verified_user)()
    viewer = await db(verified_user)(handle="app_user")
    stream = await db(make_stream)(owner)
    token = await db(token_login)(viewer)

    communicator, welcome = await joined(stream, headers=[(b"authorization", f"Token {token}".encode())])
    await send(communicator, type="message", text="hello from the app")
    message = (await next_of(communicator, "message"))["message"]

    assert welcome["you"]["user_id"] == str(viewer.pk)
    assert welcome["you"]["can_send"] is True
    assert message["text"] == "hello from the app"
    assert message["sender"]["handle"] == "app_user"
    assert await db(lambda: list(StreamChat.objects.values_list("sender__handle", "text")))() == [
        ("app_user", "hello from the app")
    ]
    await communicator.disconnect()


@pytest.mark.parametrize("header", [b"Token not-a-token", b"Token ", b"token 0123456789abcdef"])
async def test_a_wrong_token_is_closed_with_4401(header, quiet_metrics):
    stream = await db(make_stream)(await db(verified_user)())

    communicator = await connect(stream, headers=[(b"authorization", header)])

    assert await closed_with(communicator) == CLOSE_INVALID_TOKEN


async def test_a_signed_out_device_token_is_closed_with_4401(quiet_metrics):
    viewer = await db(verified_user)()
    stream = await db(make_stream)(await db(verified_user)())
    token = await db(token_login)(viewer)
    await db(token_logout)(token)

    communicator = await connect(stream, headers=[(b"authorization", f"Token {token}".encode())])

    assert await closed_with(communicator) == CLOSE_INVALID_TOKEN
