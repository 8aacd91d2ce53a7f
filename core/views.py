from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from core.errors import SERVER_ERROR_DETAIL, error_body
from core.health import platform_health


@never_cache
@require_GET
def healthz(request):
    """200 when every component is up; 200 "degraded" when only a non-database one is down; 503 without the database."""
    database_up, _all_up, body = platform_health()
    return JsonResponse(body, status=200 if database_up else 503)


@csrf_exempt  # an unknown path answers 404 whatever the method, never a CSRF page
def api_not_found(request, *args, **kwargs):
    return JsonResponse(error_body(status_code=404, code="not_found", detail="Not found."), status=404)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return api_not_found(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        body = error_body(status_code=500, code="error", detail=SERVER_ERROR_DETAIL)
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)


def bad_request(request, exception=None):
    """Django's 400 (a suspicious request, too many fields): JSON under /api/."""
    if _wants_json(request):
        body = error_body(status_code=400, code="bad_request", detail="Bad request.")
        body["type"] = "validation_error"
        return JsonResponse(body, status=400)
    from django.views.defaults import bad_request as django_bad_request

    return django_bad_request(request, exception)


def permission_denied(request, exception=None):
    """Django's 403 outside DRF: JSON under /api/."""
    if _wants_json(request):
        body = error_body(status_code=403, code="permission_denied", detail="Permission denied.")
        return JsonResponse(body, status=403)
    from django.views.defaults import permission_denied as django_permission_denied

    return django_permission_denied(request, exception)
