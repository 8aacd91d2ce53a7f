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
"""

from __future__ import annotations

from asgiref.sync import AsyncToSync, sync_to_async
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler


class ASGIHandler(DjangoASGIHandler):
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


def get_asgi_application() -> ASGIHandler:
    """As ``django.core.asgi.get_asgi_application``, with :class:`ASGIHandler`."""
    import django

    django.setup(set_prefix=False)
    return ASGIHandler()
