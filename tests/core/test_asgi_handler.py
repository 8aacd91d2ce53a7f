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


@pytest.mark.django_db(transaction=True)
def test_requests_reuse_a_thread_and_never_share_their_state(asgi_settings):
    """Django's handler starts a thread for every request (and one more to join it); this one hands
    a finished request's thread to the next request, as a WSGI server's thread pool does. Each
    request's database connection is given back when it ends (Django's request_finished), and
    what lives in the request's context (its language, its URLconf) does not carry over."""
    import threading

    from django.core.signals import request_finished, request_started
    from django.db import connection
    from django.utils import translation

    started_in, finished_with = [], []

    def on_start(**kwargs):
        started_in.append((threading.get_ident(), translation.get_language()))
        connection.ensure_connection()  # the request uses the database
        translation.activate("fr")

    def on_finish(**kwargs):  # after Django's close_old_connections
        finished_with.append(connection.connection)

    app = ASGIHandler()
    start = threading.Thread.start
    threads_started = []
    request_started.connect(on_start)
    request_finished.connect(on_finish)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(threading.Thread, "start", lambda self: (threads_started.append(self.name), start(self))[1])
            statuses = [_get(app, "/api/v1/")[0] for _ in range(3)]
    finally:
        request_started.disconnect(on_start)
        request_finished.disconnect(on_finish)
        translation.deactivate()

    assert statuses == [200, 200, 200]
    assert len({ident for ident, _ in started_in}) == 1  # one thread served all three
    assert len(threads_started) == 1  # the first request's; no thread per request, no join threads
    assert [language for _, language in started_in] == ["en-us", "en-us", "en-us"]  # not the last request's "fr"
    assert finished_with == [None, None, None]  # each request's connection closed (back to the pool) as it ended


def test_a_thread_still_running_a_request_is_not_handed_to_another():
    from core.asgi_handler import _RequestThreads

    threads = _RequestThreads()
    first = threads.take()
    second = threads.take()
    assert first is not second  # two requests at once: two threads

    release = __import__("threading").Event()
    busy = first.submit(release.wait, 10)  # a view its client stopped waiting for, still running
    threads.give_back(first)
    threads.give_back(second)

    assert threads.take() is second  # the idle one is kept and handed out again
    assert threads.take() not in (first, second)  # the busy one was not kept: a new thread instead
    release.set()
    assert busy.result(timeout=10) is True


@pytest.mark.django_db(transaction=True)
def test_closing_ends_the_kept_threads_and_their_connections_and_skips_a_busy_one():
    import threading

    from django.db import connection

    from core.asgi_handler import _RequestThreads

    threads = _RequestThreads()
    idle, busy = threads.take(), threads.take()

    def open_connection():
        connection.ensure_connection()  # as a request under CONN_MAX_AGE > 0 leaves it
        return threading.current_thread()

    idle_thread = idle.submit(open_connection).result(timeout=10)
    assert idle.submit(lambda: connection.connection is not None).result(timeout=10) is True
    release = threading.Event()
    running = busy.submit(release.wait, 10)
    threads.give_back(idle)
    threads.give_back(busy)  # still running its call: not kept, so not closed either

    closed_connection = []
    idle.submit(lambda: closed_connection.append(connection))  # the thread's own connection object
    assert threads.close() == 1
    assert not idle_thread.is_alive()  # ended, not left for the interpreter's exit to join
    assert closed_connection[0].connection is None  # closed in its own thread before it ended
    assert threads.close() == 0
    assert threads.take() not in (idle, busy)  # a request after closing gets a new thread
    release.set()
    assert running.result(timeout=10) is True


@pytest.mark.django_db(transaction=True)
def test_the_test_server_leaves_no_request_thread_behind():
    import threading

    import httpx

    from config.asgi import application
    from tests.servers import serve_asgi

    with serve_asgi(application) as url:
        with httpx.Client(base_url=url) as client:
            assert [client.get("/api/v1/").status_code for _ in range(3)] == [200, 200, 200]
        assert [t for t in threading.enumerate() if t.name.startswith("request_")] != []
    assert [t for t in threading.enumerate() if t.name.startswith("request_")] == []
