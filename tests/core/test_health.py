import pytest
from django.conf import settings
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_names_each_component_and_is_200_when_all_are_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    expected = {"database", "cache", "channel_layer"} | ({"broker"} if settings.CELERY_BROKER_URL else set())
    assert set(body["components"]) == expected
    assert {component["status"] for component in body["components"].values()} == {"up"}
    expected_db = "postgresql" if _uses_database_url() else "embedded-postgresql"
    assert body["components"]["database"]["backend"] == expected_db
    assert body["components"]["cache"]["backend"] == ("ResilientRedisCache" if settings.REDIS_URL else "LocMemCache")
    assert body["components"]["channel_layer"]["backend"] == (
        "RedisPubSubChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    )
    assert response["Cache-Control"].startswith("max-age=0")


def _uses_database_url() -> bool:
    return getattr(settings, "POSTGRES_EXTRA_DB_BACKEND_BASE", "") != "core.embedded_backend"


@pytest.fixture
def database_down():
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    # A real failure: a host with no server behind it.
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_healthz_is_503_when_the_database_is_down(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["components"]["database"]["status"] == "down"
    assert body["components"]["database"]["error"] == "OperationalError"
    assert body["components"]["cache"]["status"] == "up"


def test_healthz_is_degraded_but_200_when_only_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["broker"]["status"] == "down"
    assert body["components"]["database"]["status"] == "up"


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs a Redis server (REDIS_URL) to act as the broker")
def test_healthz_reports_a_reachable_broker_as_up(client, settings):
    settings.CELERY_BROKER_URL = settings.REDIS_URL

    body = client.get("/healthz").json()

    assert body["status"] == "ok"
    assert body["components"]["broker"]["status"] == "up"
    assert body["components"]["broker"]["backend"] == "redis"
