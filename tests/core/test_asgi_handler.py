"""core.asgi_handler: under ASGI the synchronous middleware and the view share one thread hop,
and the middleware behave as Django's own handler makes them (issue 18)."""

import asyncio
from collections import Counter

import pytest
from asgiref import sync
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler

from core.asgi_handler import ASGIHandler


def _get(app, path: str, headers=()):
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }  # fmt: skip
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.sleep(60)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def run():
        await app(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


@pytest.fixture
def hops(monkeypatch):
    """What each request hands to a worker thread (``sync_to_async``), by function name."""
    counted = Counter()
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        counted[getattr(self.func, "__qualname__", repr(self.func))] += 1
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return counted


@pytest.fixture
def asgi_settings(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    settings.X_FRAME_OPTIONS = "DENY"
    settings.SECURE_SSL_REDIRECT = False
    return settings


def test_a_request_makes_one_thread_hop_for_middleware_and_view(asgi_settings, hops):
    status = _get(ASGIHandler(), "/api/v1/")[0]

    assert status == 200
    # The middleware chain's one hop into the synchronous part (sessions, CSRF, authentication,
    # ..., the view), and SecurityMiddleware's two outside the innermost async-only middleware
    # (servestatic's); Django's own handler hops for each MiddlewareMixin method besides.
    middleware_hops = {name: n for name, n in hops.items() if "Middleware" in name or name.endswith("inner")}
    assert middleware_hops == {
        "convert_exception_to_response.<locals>.inner": 1,
        "SecurityMiddleware.process_request": 1,
        "SecurityMiddleware.process_response": 1,
    }
    hops.clear()
    assert _get(DjangoASGIHandler(), "/api/v1/")[0] == 200
    assert hops["SessionMiddleware.process_request"] == 1  # what the handler saves


def test_the_middleware_still_do_their_work_under_asgi(asgi_settings):
    app = ASGIHandler()

    status, headers, _ = _get(app, "/api/v1/", headers=[(b"x-request-id", b"abc-123")])
    assert status == 200
    assert headers["x-request-id"] == "abc-123"  # RequestIdMiddleware
    assert headers["x-content-type-options"] == "nosniff"  # SecurityMiddleware
    assert headers["x-frame-options"] == "DENY"  # XFrameOptionsMiddleware

    status, _, body = _get(app, "/api/v1/?q=%00")  # NulByteGuardMiddleware, before any view
    assert status == 400
    assert b"null_characters_not_allowed" in body


def test_the_ssl_redirect_runs_under_asgi(asgi_settings):
    asgi_settings.SECURE_SSL_REDIRECT = True

    status, headers, _ = _get(ASGIHandler(), "/api/v1/")

    assert status == 301
    assert headers["location"] == "https://testserver/api/v1/"
