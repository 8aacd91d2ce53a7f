import re

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from core.ids import uuid7
from core.request_context import request_id_var

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _request_id_for(request) -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if _VALID_REQUEST_ID.match(incoming) else uuid7().hex


class RequestIdMiddleware:
    """Give every request an id (the client's ``X-Request-ID`` if well-formed), log it, echo it."""

    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        request.id = _request_id_for(request)
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response

    async def __acall__(self, request):
        request.id = _request_id_for(request)
        token = request_id_var.set(request.id)
        try:
            response = await self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response


def _nul_in_query(request) -> str | None:
    """The first query parameter whose name or a value holds a NUL byte."""
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key.replace("\x00", "")
    return None


class NulByteGuardMiddleware:
    """Refuse NUL bytes in the path and query string before any view sees them.

    PostgreSQL text cannot hold NUL (``\\x00``); a string with one reaching a query is a 500.
    Checking here, once, covers every endpoint, the ones not written yet included (JSON bodies
    are checked by ``core.parsers.JSONParser``; form fields by Django's and DRF's own
    ``ProhibitNullCharactersValidator``). A path with NUL names nothing that can exist: 404. A
    query parameter with one is invalid input: 400 ``null_characters_not_allowed``, ``attr``
    naming the parameter. Under ``/api/`` in the API's error shape; elsewhere plain text.
    """

    # Both modes (see ``__call__``): declared, or Django would run it sync only and hop threads
    # around it under ASGI (``core.asgi_handler``).
    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def _refusal(self, request):
        from django.http import HttpResponseBadRequest, HttpResponseNotFound, JsonResponse

        from core.errors import error_body

        api = request.path_info.replace("\x00", "").startswith("/api/")
        if "\x00" in request.path_info:
            if api:
                return JsonResponse(error_body(status_code=404, code="not_found", detail="Not found."), status=404)
            return HttpResponseNotFound("Not found.")
        parameter = _nul_in_query(request)
        if parameter is None:
            return None
        if not api:
            return HttpResponseBadRequest("Null characters are not allowed.")
        body = {
            "type": "validation_error",
            "errors": [
                {"code": "null_characters_not_allowed", "detail": "Null characters are not allowed.", "attr": parameter}
            ],
        }
        return JsonResponse(body, status=400)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self._refusal(request) or self.get_response(request)

    async def __acall__(self, request):
        return self._refusal(request) or await self.get_response(request)


class ApiServerErrorMiddleware:
    """A crash under ``/api/`` answers the JSON ``server_error`` shape, with DEBUG on or off.

    DRF views already do (drf-standardized-errors handles every exception, DEBUG included); this
    covers plain Django views under ``/api/``, where DEBUG would otherwise show Django's HTML
    debug page with internals. The exception is logged and signalled as Django does, so error
    trackers still see it. Django's own 404/403/400 exceptions pass through to their handlers.
    """

    # Both modes (see ``__call__``): declared, or Django would run it sync only and hop threads
    # around it under ASGI (``core.asgi_handler``).
    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self.get_response(request)

    async def __acall__(self, request):
        return await self.get_response(request)

    def process_exception(self, request, exception):
        import logging

        from django.core import signals
        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
        from django.http import Http404, JsonResponse

        from core.errors import SERVER_ERROR_DETAIL, error_body

        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, Http404 | PermissionDenied | BadRequest | SuspiciousOperation):
            return None
        from core.exception_handler import dependency_down

        down = dependency_down(exception)
        if down is not None:
            logging.getLogger("django.request").warning("Service Unavailable: %s (%s)", request.path, exception)
            response = JsonResponse(error_body(status_code=503, code=down.code, detail=down.message), status=503)
            response["Retry-After"] = str(down.extra.get("retry_after", 5))
            return response
        signals.got_request_exception.send(sender=None, request=request)
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"status_code": 500}
        )
        return JsonResponse(error_body(status_code=500, code="error", detail=SERVER_ERROR_DETAIL), status=500)
