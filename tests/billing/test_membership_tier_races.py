"""Racing tier creations (real threads, each on its own PostgreSQL connection, against the local
Stripe peer) never leave a creator with more than ``BILLING_MEMBERSHIP_MAX_TIERS`` (5) live tiers."""

import threading

from django.db import connection

from billing.models import MembershipPrice, MembershipTier
from billing.services import memberships as svc
from core.errors import ApplicationError
from tests.factories import UserFactory


def _create(creator, position):
    prices = [svc.TierPrice("usd", 500)]
    return svc.tier_create(creator=creator, name=f"Tier {position}", position=position, prices=prices)


def _race(creator, positions):
    barrier = threading.Barrier(len(positions))
    outcomes = []

    def create(position):
        try:
            barrier.wait(timeout=30)
            _create(creator, position)
            outcomes.append("created")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(position,)) for position in positions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return sorted(outcomes)


def test_racing_creations_stop_at_five_live_tiers(stripe_peer, transactional_db):
    creator = UserFactory()
    for position in (1, 2, 3):
        _create(creator, position)

    outcomes = _race(creator, positions=[4, 5, 6, 7, 8, 9])

    assert outcomes == ["created"] * 2 + ["tier_limit_reached"] * 4
    live = MembershipTier.objects.filter(creator=creator, archived_at__isnull=True)
    assert live.count() == 5
    # Only the tiers that were created have prices; the refused ones left no rows behind.
    assert MembershipPrice.objects.filter(tier__creator=creator).count() == 5
    assert MembershipTier.objects.filter(creator=creator).count() == 5


def test_racing_creations_from_none_make_five_and_archiving_one_frees_a_place(stripe_peer, transactional_db):
    creator = UserFactory()

    outcomes = _race(creator, positions=[1, 2, 3, 4, 5, 6, 7, 8])

    assert outcomes == ["created"] * 5 + ["tier_limit_reached"] * 3
    live = list(MembershipTier.objects.filter(creator=creator, archived_at__isnull=True))
    assert len(live) == 5
    svc.tier_archive(tier=live[0], by=creator)
    # Two more race for the one free place.
    free = sorted({1, 2, 3, 4, 5, 6, 7, 8} - {tier.position for tier in live[1:]})
    assert _race(creator, positions=free[:2]) == ["created", "tier_limit_reached"]
    assert MembershipTier.objects.filter(creator=creator, archived_at__isnull=True).count() == 5
