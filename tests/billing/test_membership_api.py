"""/api/v1/billing/ tiers, memberships, members and gifts: owner, another user, anonymous, bad input."""

import pytest

from billing.models import Membership
from billing.services import memberships as svc
from billing.services.customers import payment_method_save
from tests.billing.factories import member_of, tier_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"
TIER = {"name": "Gold", "position": 1, "benefits": ["Badge"], "prices": [{"currency": "usd", "monthly": 500}]}


def code_of(response):
    return response.json()["errors"][0]["code"]


def test_tiers_create_list_update_archive(stripe_peer, api_client):
    creator = UserFactory()
    api_client.force_authenticate(creator)

    created = api_client.post(f"{API}/tiers/", TIER, format="json")

    assert created.status_code == 201, created.content
    tier = created.json()
    assert (tier["name"], tier["position"], tier["prices"]) == (
        "Gold", 1, [{"currency": "usd", "interval": "month", "amount": 500}],
    )  # fmt: skip
    listed = api_client.get(f"{API}/tiers/", {"creator": str(creator.pk)})
    assert [t["id"] for t in listed.json()] == [tier["id"]]
    assert api_client.post(f"{API}/tiers/", {**TIER, "position": 1}, format="json").status_code == 409
    bad = api_client.post(
        f"{API}/tiers/", {**TIER, "position": 2, "prices": [{"currency": "xyz", "monthly": 500}]}, format="json"
    )
    assert (bad.status_code, code_of(bad)) == (400, "currency_unsupported")
    patched = api_client.patch(f"{API}/tiers/{tier['id']}/", {"name": "Golden"}, format="json")
    assert (patched.status_code, patched.json()["name"]) == (200, "Golden")
    api_client.force_authenticate(UserFactory())
    other = api_client.patch(f"{API}/tiers/{tier['id']}/", {"name": "Mine"}, format="json")
    assert (other.status_code, code_of(other)) == (404, "tier_not_found")
    assert api_client.post(f"{API}/tiers/{tier['id']}/archive/").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.post(f"{API}/tiers/", TIER, format="json").status_code == 401
    assert api_client.get(f"{API}/tiers/", {"creator": str(creator.pk)}).status_code == 200
    api_client.force_authenticate(creator)
    archived = api_client.post(f"{API}/tiers/{tier['id']}/archive/")
    assert (archived.status_code, archived.json()["archived"]) == (200, True)


def test_more_than_five_tiers_is_409(stripe_peer, api_client):
    creator = UserFactory()
    api_client.force_authenticate(creator)
    for position in range(1, 6):
        assert api_client.post(f"{API}/tiers/", {**TIER, "position": position}, format="json").status_code == 201

    response = api_client.post(f"{API}/tiers/", {**TIER, "position": 6}, format="json")

    assert (response.status_code, code_of(response)) == (409, "tier_limit_reached")


def test_join_list_receipts_cancel_resume_and_someone_elses(stripe_peer, api_client):
    creator = UserFactory()
    tier = svc.tier_create(creator=creator, name="Gold", position=1, prices=[svc.TierPrice("usd", 500)])
    viewer = UserFactory()
    payment_method_save(user=viewer, payment_method_id="pm_card_visa", make_default=True)
    api_client.force_authenticate(viewer)

    joined = api_client.post(f"{API}/memberships/", {"tier": str(tier.pk), "currency": "usd"}, format="json")

    assert joined.status_code == 201, joined.content
    body = joined.json()
    assert (body["requires_action"], body["membership"]["status"]) == (False, "active")
    membership_id = body["membership"]["id"]
    again = api_client.post(f"{API}/memberships/", {"tier": str(tier.pk), "currency": "usd"}, format="json")
    assert (again.status_code, code_of(again)) == (409, "membership_exists")
    mine = api_client.get(f"{API}/memberships/").json()["results"]
    assert [m["id"] for m in mine] == [membership_id]
    assert mine[0]["next_charge"]["amount"] == 500
    receipts = api_client.get(f"{API}/memberships/{membership_id}/receipts/").json()
    assert [(r["amount"], r["status"]) for r in receipts] == [(500, "succeeded")]
    canceled = api_client.post(f"{API}/memberships/{membership_id}/cancel/")
    assert (canceled.status_code, canceled.json()["cancel_at_period_end"], canceled.json()["next_charge"]) == (
        200, True, None,
    )  # fmt: skip
    assert api_client.post(f"{API}/memberships/{membership_id}/resume/").json()["cancel_at_period_end"] is False

    api_client.force_authenticate(UserFactory())
    for path in ("", "receipts/"):
        assert api_client.get(f"{API}/memberships/{membership_id}/{path}").status_code == 404
    other = api_client.post(f"{API}/memberships/{membership_id}/cancel/")
    assert (other.status_code, code_of(other)) == (404, "membership_not_found")
    api_client.force_authenticate(None)
    assert (
        api_client.post(f"{API}/memberships/", {"tier": str(tier.pk), "currency": "usd"}, format="json").status_code
        == 401
    )


def test_join_with_3d_secure_answers_202_with_the_client_secret(stripe_peer, api_client):
    tier = svc.tier_create(creator=UserFactory(), name="Gold", position=1, prices=[svc.TierPrice("usd", 500)])
    api_client.force_authenticate(UserFactory())

    response = api_client.post(
        f"{API}/memberships/",
        {"tier": str(tier.pk), "currency": "usd", "payment_method": "pm_card_authenticationRequired"},
        format="json",
    )

    assert response.status_code == 202
    assert response.json()["requires_action"] is True
    assert "_secret_" in response.json()["client_secret"]


def test_bad_joins(stripe_peer, api_client):
    tier = svc.tier_create(creator=UserFactory(), name="Gold", position=1, prices=[svc.TierPrice("usd", 500)])
    api_client.force_authenticate(UserFactory())
    for data, status, code in [
        ({"tier": str(tier.pk), "currency": "xyz"}, 400, "currency_unsupported"),
        ({"tier": str(tier.pk), "currency": "usd"}, 400, "payment_method_required"),
        ({"tier": "0190e7d2-0000-7000-8000-000000000000", "currency": "usd"}, 404, "tier_not_found"),
        ({"tier": "nope", "currency": "usd"}, 400, "invalid"),
    ]:
        response = api_client.post(f"{API}/memberships/", data, format="json")
        assert (response.status_code, code_of(response)) == (status, code), data


def test_members_list_and_gifts(api_client, django_assert_max_num_queries):
    creator = UserFactory()
    tier = tier_of(creator, name="Gold")
    for _ in range(3):
        member_of(tier, UserFactory())
    fan = UserFactory(handle="fan_one")
    api_client.force_authenticate(creator)

    gifted = api_client.post(
        f"{API}/members/gifts/", {"viewer": "@fan_one", "tier": str(tier.pk), "months": 2}, format="json"
    )

    assert gifted.status_code == 201, gifted.content
    assert (gifted.json()["kind"], gifted.json()["handle"]) == ("gift", "fan_one")
    again = api_client.post(f"{API}/members/gifts/", {"viewer": "fan_one", "tier": str(tier.pk)}, format="json")
    assert (again.status_code, code_of(again)) == (409, "membership_exists")
    nobody = api_client.post(f"{API}/members/gifts/", {"viewer": "nobody_here", "tier": str(tier.pk)}, format="json")
    assert (nobody.status_code, code_of(nobody)) == (404, "user_not_found")
    for size in (2, 10):
        with django_assert_max_num_queries(4):
            page = api_client.get(f"{API}/members/", {"page_size": size}).json()["results"]
        assert len(page) == min(size, 4)
    assert Membership.objects.get(viewer=fan).kind == "gift"
    api_client.force_authenticate(UserFactory())
    assert api_client.get(f"{API}/members/").json()["results"] == []
    stranger = api_client.post(f"{API}/members/gifts/", {"viewer": "fan_one", "tier": str(tier.pk)}, format="json")
    assert (stranger.status_code, code_of(stranger)) == (404, "tier_not_found")
