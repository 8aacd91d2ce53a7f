import pytest

from ads.services.decisions import ctr_cache_clear
from tests.billing.conftest import stripe_peer  # noqa: F401 (the local Stripe peer, for top-ups)


@pytest.fixture(autouse=True)
def _fresh_ctr_cache():
    ctr_cache_clear()
    yield
    ctr_cache_clear()
