import io

import pytest
import yaml
from django.core.management import call_command


def test_schema_is_served_as_openapi_3(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Fanfare API"
    assert "/api/v1/" in schema["paths"]


def test_schema_documents_the_error_shape(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    responses = schema["paths"]["/api/v1/"]["get"]["responses"]
    assert {"200", "404", "405", "500"} <= set(responses)
    components = schema["components"]["schemas"]
    assert {"type", "errors"} <= set(components["ErrorResponse500"]["properties"])
    assert set(components["Error500"]["properties"]) == {"code", "detail", "attr"}


def test_schema_validates_without_warnings():
    out = io.StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=out)


def test_swagger_ui_is_served_from_local_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html


@pytest.mark.django_db
def test_api_root_points_at_schema_and_docs(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Fanfare",
        "version": "v1",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
    }
