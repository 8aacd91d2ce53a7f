import pytest

from ads.services.decisions import ctr_cache_clear
from tests.billing.conftest import stripe_peer  # noqa: F401 (the local Stripe peer, for top-ups)


@pytest.fixture(autouse=True)
def _fresh_ctr_cache():
    ctr_cache_clear()
    yield
    ctr_cache_clear()


@pytest.fixture(autouse=True)
def _fresh_decision_state():
    """Each test starts with no cached live state and no fill counts held from another test."""
    from ads.services.decisions import fill_counts_discard
    from ads.services.live import live_clear

    live_clear()
    fill_counts_discard()
    yield
    live_clear()
    fill_counts_discard()


def skip_unless_in_database_writer(django_db_blocker) -> None:
    """The in-database writer needs PostgreSQL 18 (``uuidv7()``); on an older server (CI's second
    pass runs PostgreSQL 15) the portable writer is the one that runs, and is tested as such."""
    from django.db import connection

    with django_db_blocker.unblock():
        connection.ensure_connection()
        version = connection.pg_version
    if version < 180000:
        pytest.skip(f"the in-database writer needs PostgreSQL 18; this server is {version // 10000}")


@pytest.fixture(params=["in_database", "portable"])
def writer_path(request, monkeypatch, django_db_blocker):
    """Run a test on both writers: the in-database one (the default on PostgreSQL 18 with the
    PostgreSQL buffer) and the portable one (any other buffer), which must give the same verdicts."""
    from ads.services import writer

    if request.param == "in_database":
        skip_unless_in_database_writer(django_db_blocker)
    monkeypatch.setattr(writer, "IN_DATABASE", request.param == "in_database")
    return request.param
