import io
import json
import logging

import pytest
from django.http import JsonResponse
from django.urls import include, path
from pythonjsonlogger.json import JsonFormatter

from core.request_context import RequestIdFilter

logger = logging.getLogger("fanfare.probe")


def logging_view(request):
    logger.info("handled the probe")
    return JsonResponse({"ok": True})


urlpatterns = [path("probe/log/", logging_view), path("", include("config.urls"))]


@pytest.fixture
def json_log():
    """The production log format: one JSON object per line, with the request id."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.urls("tests.core.test_request_id")
def test_each_request_gets_an_id_that_its_logs_carry(client, json_log):
    response = client.get("/probe/log/")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    record = json.loads(json_log.getvalue().strip().splitlines()[-1])
    assert record["request_id"] == request_id
    assert record["message"] == "handled the probe"
    assert record["level"] == "INFO"
    assert record["logger"] == "fanfare.probe"


@pytest.mark.urls("tests.core.test_request_id")
def test_a_well_formed_client_request_id_is_kept(client):
    response = client.get("/probe/log/", headers={"X-Request-ID": "lb-7f3a.91"})

    assert response["X-Request-ID"] == "lb-7f3a.91"


@pytest.mark.urls("tests.core.test_request_id")
@pytest.mark.parametrize("bad", ["has spaces", "x" * 200, "<script>"])
def test_a_malformed_client_request_id_is_replaced(client, bad):
    response = client.get("/probe/log/", headers={"X-Request-ID": bad})

    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 32


def test_outside_a_request_logs_say_dash(json_log):
    logger.info("background work")

    assert json.loads(json_log.getvalue().strip().splitlines()[-1])["request_id"] == "-"
