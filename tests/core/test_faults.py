"""What each dependency's outage does (docs/architecture.md, "When a dependency is down").

Real components throughout: Redis and the broker are pointed at a port where nothing listens
(connection refused, as when the server is down), S3 is a moto server that is stopped, and
PostgreSQL is the embedded server, stopped and started again under a request that waits on it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

import boto3
import httpx
import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient

from accounts.models import AuthDevice
from core.models import OutboxTask
from tests.factories import UserFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def _closed_port() -> int:
    return free_port()  # nothing listens there: connections are refused at once


def _token_for(user) -> str:
    from knox.models import get_token_model

    auth_token, token = get_token_model().objects.create(user=user, expiry=django_settings.AUTH_TOKEN_TTL)
    AuthDevice.objects.create(
        user=user,
        kind=AuthDevice.Kind.TOKEN,
        name="test",
        user_agent="test",
        user_agent_fingerprint=secrets.token_hex(32),
        token_key=auth_token.token_key,
        last_seen_at=timezone.now(),
    )
    return token


@pytest.fixture
def redis_down(settings):
    """The cache is Redis (Fanfare's resilient backend) at an address where Redis is down."""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return url


# --- Redis -------------------------------------------------------------------------------------


def test_redis_down_login_fails_closed_with_503_not_500(redis_down):
    UserFactory(email="ana@example.com", email_verified_at=timezone.now())
    client = APIClient(raise_request_exception=False)

    response = client.post(
        "/api/v1/auth/login/", {"email": "ana@example.com", "password": PASSWORD, "client": "token"}, format="json"
    )

    assert response.status_code == 503
    assert response.json()["errors"] == [
        {
            "code": "cache_unavailable",
            "detail": "A service this request needs is not answering. Try again shortly.",
            "attr": None,
        }
    ]
    assert response["Retry-After"] == "30"


def test_redis_down_signed_in_requests_and_throttled_paths_keep_working(redis_down, caplog):
    user = UserFactory(email="bo@example.com")  # email not verified yet
    client = APIClient(raise_request_exception=False)
    client.force_login(user)  # a session: read from the cache first, from PostgreSQL when it misses

    me = client.get("/api/v1/accounts/me/")
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        resend = client.post("/api/v1/auth/verify-email/resend/", {}, format="json")  # DRF-throttled

    assert me.status_code == 200
    assert me.json()["email"] == "bo@example.com"
    assert resend.status_code == 202
    assert any("cache unavailable" in record.getMessage() for record in caplog.records)  # not silent


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_redis_down_a_websocket_is_closed_with_1013_not_a_500(settings):
    from channels.db import database_sync_to_async

    from config.asgi import application

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{_closed_port()}/0"]},
        }
    }
    user = await database_sync_to_async(UserFactory)()
    token = await database_sync_to_async(_token_for)(user)
    socket = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"authorization", f"Token {token}".encode())]
    )

    connected, _ = await socket.connect(timeout=10)
    closed = await socket.receive_output(timeout=10)

    assert connected is True
    assert closed == {"type": "websocket.close", "code": 1013}


# --- Native WebSocket clients: no Origin header, token sign-in ------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_token_client_without_origin_is_accepted():
    from channels.db import database_sync_to_async

    from config.asgi import application

    user = await database_sync_to_async(UserFactory)()
    token = await database_sync_to_async(_token_for)(user)
    socket = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"authorization", f"Token {token}".encode())]
    )

    connected, _ = await socket.connect(timeout=10)

    assert connected is True
    assert await socket.receive_json_from(timeout=5) == {"type": "unread_count", "count": 0}
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_without_origin_a_session_cookie_signs_nobody_in():
    from channels.db import database_sync_to_async
    from django.test import Client

    from config.asgi import application

    def cookie():
        client = Client()
        client.force_login(UserFactory())
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    session = await database_sync_to_async(cookie)()
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"cookie", session)])

    connected, code = await socket.connect(timeout=10)

    assert (connected, code) == (False, 4401)  # anonymous: the cookie was ignored


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_browser_origin_not_allowed_is_still_refused():
    from config.asgi import application

    socket = WebsocketCommunicator(application, "/ws/health/", headers=[(b"origin", b"https://evil.example")])

    connected, _ = await socket.connect(timeout=10)

    assert connected is False


# --- The Celery broker -------------------------------------------------------------------------


def _forget_broker_connections(app) -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def test_broker_down_the_request_succeeds_and_the_task_waits_in_the_outbox(
    settings, django_capture_on_commit_callbacks
):
    """The request is not failed and the task is not lost: its outbox row stays unpublished for
    ``core.tasks_recover`` (tests/core/test_task_durability.py sends such rows to a real worker)."""
    from accounts.models import DataExport
    from config.celery import app

    user = UserFactory(email_verified_at=timezone.now())
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    _forget_broker_connections(app)  # none may point at another broker
    app.conf.task_always_eager = False
    app.conf.broker_url = f"amqp://guest:guest@127.0.0.1:{_closed_port()}//"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/accounts/me/export/")
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = django_settings.CELERY_BROKER_URL or None
        _forget_broker_connections(app)  # the pools built for the dead address

    assert response.status_code == 202
    export = DataExport.objects.get(user=user)
    assert export.status == DataExport.Status.REQUESTED
    kept = OutboxTask.objects.get()
    assert (kept.task, kept.args, kept.kwargs) == ("accounts.data_export_build", [str(export.pk)], {})
    assert (kept.status, kept.published_at) == (OutboxTask.Status.QUEUED, None)


# --- S3 ----------------------------------------------------------------------------------------


def test_s3_stopped_an_upload_start_is_a_503_and_leaves_nothing(settings, monkeypatch, tmp_path):
    from content.models import Video

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    httpx.post(f"http://127.0.0.1:{port}/moto-api/reset").raise_for_status()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="fanfare-videos")
    settings.VIDEO_ROOT = tmp_path
    settings.VIDEO_UPLOAD_MODE = "s3"
    settings.VIDEO_S3_BUCKET = "fanfare-videos"
    settings.VIDEO_S3_ENDPOINT_URL = endpoint
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(UserFactory(email_verified_at=timezone.now()))
    assert client.post("/api/v1/videos/", {"title": "Up", "size": 1000}, format="json").status_code == 201
    server.stop()

    response = client.post("/api/v1/videos/", {"title": "Down", "size": 1000}, format="json")

    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "storage_unavailable"
    assert list(Video.all_objects.values_list("title", flat=True)) == ["Up"]


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.skipif(bool(django_settings.DATABASES["default"].get("OPTIONS", {}).get("pool")), reason="no pool")
@pytest.mark.django_db(transaction=True)
def test_postgresql_restarting_mid_request_is_a_503_then_the_next_request_is_served(settings):
    """The request waits on a row lock; the embedded server stops under it (a restart), then starts
    again. The request answers 503 ``database_unavailable``; the next one reconnects."""
    from core import embedded_db

    if not getattr(django_settings, "POSTGRES_EXTRA_DB_BACKEND_BASE", "").startswith("core.embedded"):
        pytest.skip("restarts the embedded PostgreSQL; DATABASE_URL names a server this test must not stop")
    user = UserFactory(email_verified_at=timezone.now())
    token = _token_for(user)
    connection.close()
    locked = threading.Event()
    release = threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                type(user).objects.select_for_update().get(pk=user.pk)
                locked.set()
                release.wait(timeout=30)
        except OperationalError:
            pass  # expected: the server stopped under this transaction too
        finally:
            connection.close()

    def restart():
        time.sleep(1.0)  # the request is now waiting on the lock
        embedded_db.stop(django_settings.EMBEDDED_PGDATA)
        release.set()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert locked.wait(timeout=10)
    restarter = threading.Thread(target=restart)
    restarter.start()
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    during = client.delete("/api/v1/accounts/me/avatar/")  # locks the user row: waits for the holder

    restarter.join(timeout=30)
    holder.join(timeout=30)
    connection.close()
    after = client.get("/api/v1/accounts/me/")  # the first connection starts the server again

    assert during.status_code == 503
    assert during.json()["errors"][0]["code"] == "database_unavailable"
    assert after.status_code == 200
