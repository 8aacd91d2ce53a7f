"""Django's ASGI handler, with the synchronous middleware run synchronously: one thread hop a request.

Under ASGI, Django builds the middleware chain in async mode. Its own middleware (sessions,
CSRF, authentication, messages, ...) derive from ``MiddlewareMixin``, whose async mode runs each
``process_request``/``process_response`` through ``sync_to_async``: a hop to the worker thread
and back for each, about a dozen a request, before the synchronous view takes one more. Each
hop copies the context and wakes two threads; together they cost more CPU than many views.

:class:`ASGIHandler` builds the chain as Django's WSGI handler would, from the synchronous
view handler outwards, so every middleware able to run synchronously does so, in the same
thread as the view; the chain turns async only at the innermost middleware that cannot run
synchronously (``servestatic``'s), where Django's own adaptation makes the one hop (the one the
view needed anyway), and the middleware outside it run async as before. Behaviour is Django's:
the same middleware, in the same order, with the same adaptation rules; only where the
boundary between the event loop and the worker thread lies changes.

Each request's synchronous code runs in a thread of its own, as under Django's handler (one
request at a time per thread, so a slow view never holds up another request's), but the thread
is not new: Django's handler makes a thread for every request (``ThreadSensitiveContext``: a
new single-thread executor) and a second one to join it afterwards, about 0.3 ms of CPU a
request. Here a finished request's executor goes back to a free list and the next request
takes it (:class:`_RequestThreads`); only when every kept thread is busy is a new one made.
This is how a WSGI server's thread pool runs Django: the database connections are per thread
(Django's ``connections``), and each request's is closed, or given back to the pool, when the
request ends (``request_finished``: ``close_old_connections``), in its own thread, before the
thread is handed on; the rest of a request's state (the active language, the URLconf) lives in
its own context, copied per request.
"""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import AsyncToSync, ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler
from django.db import connections


class _RequestExecutor(ThreadPoolExecutor):
    """One thread; counts the calls handed to it that have not finished yet."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="request")
        self.pending = 0
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            self.pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future) -> None:
        with self._lock:
            self.pending -= 1


class _RequestThreads:
    """The executors of finished requests, each a thread kept for the next request.

    A request takes one (or a new one when none is free) for its whole life and gives it back
    when it ends. An executor still running a call of its request then (the client went away
    mid-view: Django cancels the waiting, not the synchronous view) is not given back: it is
    shut down without waiting, as Django's handler does with every request's, so the next
    request never queues behind it. At most ``KEEP`` idle threads are kept.
    """

    KEEP = 64

    def __init__(self) -> None:
        self._free: list[_RequestExecutor] = []

    def take(self) -> _RequestExecutor:
        try:
            return self._free.pop()  # one step: safe even if two event loops share the handler
        except IndexError:
            return _RequestExecutor()

    def give_back(self, executor: _RequestExecutor) -> None:
        if executor.pending == 0 and len(self._free) < self.KEEP:
            self._free.append(executor)
        else:
            executor.shutdown(wait=False)

    def close(self) -> int:
        """End the kept threads, each after closing its database connections (a kept thread
        holds none between requests unless ``CONN_MAX_AGE`` keeps it). For a server that has
        stopped serving: an idle thread left behind is joined when the interpreter exits, and a
        connection left open keeps its database from being dropped. Returns the threads ended."""
        ended = 0
        while True:
            try:
                executor = self._free.pop()
            except IndexError:
                return ended
            executor.submit(connections.close_all)
            executor.shutdown(wait=True)
            ended += 1


class ASGIHandler(DjangoASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._request_threads = _RequestThreads()
        _handlers.add(self)

    async def __call__(self, scope, receive, send):
        """As Django's, with the request's thread taken from the kept ones (see the module)."""
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._request_threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._request_threads.give_back(executor)

    def close_request_threads(self) -> int:
        """End the threads kept for the next requests (:meth:`_RequestThreads.close`); a request
        that comes afterwards makes a new one."""
        return self._request_threads.close()

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        if not is_async:
            return
        chain = self._middleware_chain
        if isinstance(chain, AsyncToSync):
            # The outer middleware run async: Django wrapped the top of the chain for a
            # synchronous caller; an async caller awaits it as it is.
            self._middleware_chain = chain.awaitable
        else:
            self._middleware_chain = sync_to_async(chain, thread_sensitive=True)


_handlers: weakref.WeakSet[ASGIHandler] = weakref.WeakSet()


def close_request_threads() -> int:
    """End every handler's kept request threads (:meth:`ASGIHandler.close_request_threads`): for
    a process whose server has stopped but that goes on (a test run's in-process servers)."""
    return sum(handler.close_request_threads() for handler in list(_handlers))


def get_asgi_application() -> ASGIHandler:
    """As ``django.core.asgi.get_asgi_application``, with :class:`ASGIHandler`."""
    import django

    django.setup(set_prefix=False)
    return ASGIHandler()
