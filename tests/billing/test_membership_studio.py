"""The studio's memberships pages, server-rendered (the browser test drives the same in Chromium)."""

import pytest

from billing.models import Membership, MembershipTier
from tests.billing.factories import member_of, tier_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_tier_then_list_members_and_gift(stripe_peer, client):
    creator = UserFactory()
    client.force_login(creator)

    response = client.post(
        "/studio/memberships/tiers/new/",
        {
            "name": "Gold",
            "benefits": "Badge\nVideos",
            "position": 1,
            "trial_days": 0,
            "currency": "jpy",
            "monthly": "500",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    tier = MembershipTier.objects.get(creator=creator)
    assert [(p.currency, p.amount) for p in tier.prices.all()] == [("jpy", 500)]
    member_of(tier, UserFactory(handle="paying_fan"))
    UserFactory(handle="gifted_fan")
    page = client.get("/studio/memberships/").content.decode()
    assert "@paying_fan" in page
    assert "500 JPY/month" in page
    client.post("/studio/memberships/gifts/", {"viewer": "gifted_fan", "tier": str(tier.pk), "kind": "comp"})
    assert Membership.objects.get(viewer__handle="gifted_fan").kind == "comp"


def test_another_creators_tier_is_404(client):
    tier = tier_of(UserFactory())
    client.force_login(UserFactory())

    assert client.get(f"/studio/memberships/tiers/{tier.pk}/").status_code == 404
    assert client.post(f"/studio/memberships/tiers/{tier.pk}/archive/").status_code == 404
    assert MembershipTier.objects.get(pk=tier.pk).archived_at is None
