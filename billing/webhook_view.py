"""Fanfare's Stripe webhook receiver: verify, store, acknowledge; a task processes (docs/billing.md).

dj-stripe's own ``ProcessWebhookView`` processes each delivery on the request (re-fetching its
object from Stripe). This receiver keeps dj-stripe's model and checks and only moves the processing
off the request: it verifies the delivery's signature on the raw body
(``WebhookEventTrigger.validate``, the endpoint's tolerance), stores it (dj-stripe's
``WebhookEventTrigger``, the webhook log, with headers, body and remote IP) and, when valid, queues
the processing task through the outbox (or joins the one already queued), then answers. A bad
signature: 400, the delivery stored with ``valid=False``, nothing queued. Unsigned: 400, nothing
stored. An unknown endpoint: 404. A failure while storing (the database): nothing stored, 500, and
Stripe sends it again.

Served two ways, with the same code (:func:`webhook_receive`):

- :class:`WebhookFastPath`, in front of Django's ASGI handler (``config.asgi``, what ``make run``
  and production serve): a POST to ``/stripe/webhook/<uuid>/`` is answered without the middleware
  stack (sessions, authentication, OTP, CSRF, messages: none of which a signed server-to-server
  delivery uses), in one hop to a worker thread. Anything it does not answer itself (another
  method, an unknown endpoint, a host not in ``ALLOWED_HOSTS``, plain HTTP when
  ``SECURE_SSL_REDIRECT`` is on, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, an error) goes to
  Django's whole stack, which answers as it always did.
- :class:`WebhookView`, the URL's view, for Django's own handler (the test client, a WSGI server).

The endpoint's row is kept in the process (by its uuid). A delivery verified with that copy is
stored only if the row still holds the copy's secret, mode, owner, tolerance and validation method
(the same statement, ``webhook_delivery_store``); otherwise the row is read again and the delivery
verified and stored as if the copy had never been kept. So a secret rotated by another process
(the admin, ``stripe_setup``) applies to the very next delivery. When the processing task is
already queued, a valid delivery is stored, and joins the task, in that one statement in autocommit
(one round trip); otherwise in a transaction that queues the task.

With ``STRIPE_WEBHOOK_SECRET`` set (production requires it), signatures are checked with it
rather than with the secret kept on the endpoint's row.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import response_for_exception
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from djstripe.models import WebhookEndpoint, WebhookEventTrigger
from djstripe.models.webhooks import get_remote_ip
from djstripe.settings import djstripe_settings

from billing.services.webhooks import webhook_delivery_store, webhook_event_accept
from core.request_context import request_id_var

logger = logging.getLogger(__name__)

# --- The endpoint's row, kept in the process -----------------------------------------------------

_endpoints: dict[UUID, WebhookEndpoint] = {}
_endpoints_lock = threading.Lock()


def _endpoint_read(uuid: UUID) -> WebhookEndpoint:
    """The endpoint's row, read now (and kept); Http404 when there is none."""
    endpoint = WebhookEndpoint.objects.filter(djstripe_uuid=uuid).first()
    with _endpoints_lock:
        if endpoint is None:
            _endpoints.pop(uuid, None)
            raise Http404("No such webhook endpoint.")
        _endpoints[uuid] = endpoint
    return endpoint


def endpoints_forget() -> None:
    """Drop the kept endpoint rows (each is read again on its next delivery)."""
    with _endpoints_lock:
        _endpoints.clear()


@receiver([post_save, post_delete], sender=WebhookEndpoint, dispatch_uid="billing_webhook_endpoints_forget")
def _endpoint_changed(**kwargs: Any) -> None:
    # This process's own changes; another process's are caught by the check on every store.
    endpoints_forget()


# --- Receiving a delivery ------------------------------------------------------------------------


def webhook_receive(request: Any, uuid: UUID) -> HttpResponse:
    """Verify, store and (when valid) queue one delivery; the answer. Http404 for an unknown endpoint."""
    if "stripe-signature" not in request.headers:
        # As dj-stripe: an unsigned request is not even stored.
        logger.error("Stripe webhook without a Stripe-Signature header")
        return HttpResponseBadRequest()
    try:
        body = request.body.decode(request.encoding or "utf-8")
    except UnicodeDecodeError:
        body = "(error decoding body)"
    headers, remote_ip = dict(request.headers), get_remote_ip(request)
    endpoint = _endpoints.get(uuid)
    if endpoint is not None:
        trigger = _trigger_verified(endpoint, headers=headers, body=body, remote_ip=remote_ip)
        if _stored_against(trigger):
            return _answer(trigger)
    # Not kept, or the row changed (or went) since it was kept: read it, and store as it says.
    endpoint = _endpoint_read(uuid)
    trigger = _trigger_verified(endpoint, headers=headers, body=body, remote_ip=remote_ip)
    with transaction.atomic():
        trigger.save()
        if trigger.valid:
            webhook_event_accept(trigger)
    return _answer(trigger)


def _stored_against(trigger: WebhookEventTrigger) -> bool:
    """Store the delivery verified with the kept endpoint row, if that row is still current: in one
    statement when it is invalid or joins the queued processing task, else in a transaction that queues
    the task. False when the row changed since it was kept (nothing stored)."""
    from billing.tasks import webhook_events_process_task  # Celery, loaded with the first delivery

    if not trigger.valid or not webhook_events_process_task.app.conf.task_always_eager:
        stored_id, endpoint_same = webhook_delivery_store(trigger, join=trigger.valid)
        if stored_id is not None or not endpoint_same:
            return stored_id is not None
    with transaction.atomic():  # no task queued to join (or tasks run eagerly): queue one
        stored_id, _endpoint_same = webhook_delivery_store(trigger, join=False)
        if stored_id is not None:
            webhook_event_accept(trigger)
    return stored_id is not None


def _trigger_verified(endpoint: WebhookEndpoint, *, headers: dict, body: str, remote_ip: str) -> WebhookEventTrigger:
    """The delivery as dj-stripe's row, not stored yet, its signature verified (``valid``)."""
    trigger = WebhookEventTrigger(
        headers=headers,
        body=body,
        remote_ip=remote_ip,
        stripe_trigger_account_id=endpoint.djstripe_owner_account_id,
        webhook_endpoint=endpoint,
    )
    secret = settings.STRIPE_WEBHOOK_SECRET or endpoint.secret
    api_key = djstripe_settings.get_default_api_key(endpoint.livemode)
    trigger.valid = trigger.validate(secret=secret, api_key=api_key)
    return trigger


def _answer(trigger: WebhookEventTrigger) -> HttpResponse:
    if not trigger.valid:
        logger.error("Stripe webhook %s did not validate", trigger.pk)
        return HttpResponseBadRequest()
    return HttpResponse(str(trigger.id))


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class WebhookView(View):
    def post(self, request, uuid):
        return webhook_receive(request, uuid)


# --- The ASGI fast path ----------------------------------------------------------------------------

_PATH = re.compile(
    r"/stripe/webhook/(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/"
)  # config/urls.py's route (Django's uuid converter)


class WebhookFastPath:
    """ASGI: POSTs to the webhook URL answered by :func:`webhook_receive` without Django's middleware
    stack; every other request, and any delivery it does not answer itself, to ``app``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"]
            root = scope.get("root_path", "")
            match = _PATH.fullmatch(path.removeprefix(root) if root else path)
        if match is None:
            return await self.app(scope, receive, send)
        chunks, more, size = [], True, 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if limit is not None and size > limit:
                break  # Django's stack answers (its own limit), given what was read and the rest
        answer = None
        if not more:
            answer = await sync_to_async(_receive_sync, thread_sensitive=False)(scope, b"".join(chunks), match["uuid"])
        if answer is None:
            return await self.app(scope, _replayed(chunks, more, receive), send)
        status, headers, content = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _replayed(chunks: list[bytes], more: bool, receive: Any) -> Any:
    pending = list(chunks)

    async def replay() -> dict:
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending) or more}
        return await receive()

    return replay


def _receive_sync(scope: dict, body: bytes, uuid: str) -> tuple[int, list, bytes] | None:
    """One delivery, in a worker thread, as Django's handler would run the view (its request signals
    around it, so the thread's database connection goes back to the pool); None: Django's stack
    answers instead."""
    request = ASGIRequest(scope, io.BytesIO(body))
    signals.request_started.send(sender=WebhookFastPath, scope=scope)
    try:
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        except DisallowedHost:
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None  # SecurityMiddleware's redirect
        request_id = _request_id(request)
        token = request_id_var.set(request_id)
        try:
            response = webhook_receive(request, UUID(uuid))
        except Http404:
            return None
        except Exception as error:  # noqa: BLE001 (Django's answer and logging for it: handler500)
            response = response_for_exception(request, error)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
        return response.status_code, headers, response.content
    finally:
        signals.request_finished.send(sender=WebhookFastPath)


def _request_id(request: Any) -> str:
    from core.middleware import _request_id_for

    return _request_id_for(request)
