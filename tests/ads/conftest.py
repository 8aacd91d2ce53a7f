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
