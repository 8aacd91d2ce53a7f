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


@pytest.fixture(params=["in_database", "portable"])
def writer_path(request, monkeypatch):
    """Run a test on both writers: the in-database one (the default on PostgreSQL 18 with the
    PostgreSQL buffer) and the portable one (any other buffer), which must give the same verdicts."""
    from ads.services import writer

    monkeypatch.setattr(writer, "IN_DATABASE", request.param == "in_database")
    return request.param
