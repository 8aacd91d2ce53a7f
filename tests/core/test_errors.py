"""Every error the API returns has one shape: {type, errors: [{code, detail, attr}]}."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.error_probes")]


def only_error(response):
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert len(body["errors"]) == 1
    return body["type"], body["errors"][0]


def test_400_validation_error_lists_each_field(api_client):
    response = api_client.post("/api/v1/probes/validation/", {"title": "too long", "count": 0}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert sorted(body["errors"], key=lambda e: e["attr"]) == [
        {"code": "min_value", "detail": "Ensure this value is greater than or equal to 1.", "attr": "count"},
        {"code": "max_length", "detail": "Ensure this field has no more than 5 characters.", "attr": "title"},
    ]


def test_400_for_malformed_json(api_client):
    response = api_client.post("/api/v1/probes/validation/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert only_error(response)[1]["code"] == "parse_error"


def test_400_from_a_service_rule(api_client):
    response = api_client.get("/api/v1/probes/rule/")

    assert response.status_code == 400
    assert only_error(response) == (
        "validation_error",  # one status, one type: every 400 is a validation error
        {"code": "email_unverified", "detail": "Publishing needs a verified email.", "attr": None},
    )


def test_400_from_a_django_validation_error(api_client):
    response = api_client.get("/api/v1/probes/django-validation/")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": "invalid", "detail": "Enter a valid handle.", "attr": "handle"}],
    }


def test_a_django_validation_errors_code_is_kept(api_client):
    response = api_client.get("/api/v1/probes/django-validation/?coded=1")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "handle_reserved", "detail": "This handle is reserved.", "attr": "handle"}
    ]


def test_401_for_anonymous_with_authenticate_header(api_client):
    response = api_client.get("/api/v1/probes/auth/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert only_error(response)[1] == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }


def test_403_for_a_signed_in_user_without_permission(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/probes/forbidden/")

    assert response.status_code == 403
    assert only_error(response)[1]["code"] == "permission_denied"


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/nothing", "/api/v1/probes/nope/"])
def test_404_for_unknown_api_paths_is_json(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert only_error(response) == ("client_error", {"code": "not_found", "detail": "Not found.", "attr": None})


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_404_for_unknown_api_paths_whatever_the_method_even_with_csrf_checks(method):
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/posts/not-a-uuid/like/")

    assert response.status_code == 404
    assert only_error(response) == ("client_error", {"code": "not_found", "detail": "Not found.", "attr": None})


def test_404_outside_the_api_stays_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_405_for_a_method_the_endpoint_lacks(api_client):
    response = api_client.delete("/api/v1/")

    assert response.status_code == 405
    assert only_error(response)[1] == {
        "code": "method_not_allowed",
        "detail": 'Method "DELETE" not allowed.',
        "attr": None,
    }


def test_409_carries_code_and_extra(api_client):
    response = api_client.post("/api/v1/probes/conflict/")

    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "handle_taken", "detail": "This handle is taken.", "attr": None}],
        "extra": {"handle": "ana"},
    }


def test_413_for_a_body_over_the_limit(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = api_client.post("/api/v1/probes/upload/", {"blob": "x" * 4096}, format="json")

    assert response.status_code == 413
    assert only_error(response)[1] == {
        "code": "request_too_large",
        "detail": "The request body is too large.",
        "attr": None,
    }


def test_415_for_an_unsupported_content_type(api_client):
    response = api_client.post("/api/v1/probes/validation/", "title=a", content_type="text/plain")

    assert response.status_code == 415
    assert only_error(response)[1] == {
        "code": "unsupported_media_type",
        "detail": 'Unsupported media type "text/plain" in request.',
        "attr": None,
    }


def test_429_with_retry_after():
    cache.clear()
    client = APIClient(REMOTE_ADDR="203.0.113.9")

    first = client.get("/api/v1/probes/throttle/")
    second = client.get("/api/v1/probes/throttle/")

    assert first.status_code == 200
    assert second.status_code == 429
    assert 0 < int(second["Retry-After"]) <= 60
    assert only_error(second)[1]["code"] == "throttled"


def test_429_from_a_service_sends_retry_after(api_client):
    response = api_client.get("/api/v1/probes/service-throttle/")

    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "too_many_attempts", "detail": "Too many attempts.", "attr": None}],
        "extra": {"retry_after": 42},
    }


def test_451_for_content_unavailable_where_the_viewer_is(api_client):
    response = api_client.get("/api/v1/probes/geo/")

    assert response.status_code == 451
    assert only_error(response)[1] == {
        "code": "geo_restricted",
        "detail": "Not available in your country.",
        "attr": None,
    }


@pytest.mark.parametrize("path", ["/api/v1/probes/crash/", "/api/v1/probes/plain-crash/"])
def test_500_hides_internals(path):
    client = APIClient(raise_request_exception=False)

    response = client.get(path)

    assert response.status_code == 500
    assert response.json() == {
        "type": "server_error",
        "errors": [{"code": "error", "detail": "Server Error (500)", "attr": None}],
    }
    assert b"hunter2" not in response.content


def test_endpoints_declare_the_errors_only_they_raise(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)

    conflict = schema["paths"]["/api/v1/probes/conflict/"]["post"]["responses"]
    geo = schema["paths"]["/api/v1/probes/geo/"]["get"]["responses"]
    assert {"409", "413"} <= set(conflict)
    assert "451" in geo
    assert "451" not in conflict
    ref = geo["451"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/ErrorResponse451"
