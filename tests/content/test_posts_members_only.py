"""Members-only posts (``minimum_tier``): gated by billing's one selector. One post asked for by
id answers 403 ``members_only`` with the tier needed; the feeds (home, profile, hashtag) and the
author's post list leave the post out for whoever may not read it, as listings leave out
subscribers-only videos."""

import pytest
import yaml

from content.services import posts as services
from core.errors import PermissionDeniedError
from social.services import graph
from tests.billing.factories import member_of, tier_of
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.factories import with_role

pytestmark = pytest.mark.django_db

FEED = "/api/v1/feed"


@pytest.fixture(autouse=True, params=["merge", "scan"])
def home_strategy(request, monkeypatch):
    """Both shapes of the home statement (per-followee merge, newest-first scan)."""
    from social.selectors import feeds

    monkeypatch.setattr(feeds, "HOME_SCAN_MIN_FOLLOWING", 10**9 if request.param == "merge" else 0)
    return request.param


@pytest.fixture
def world():
    creator = VerifiedUserFactory(handle="maker")
    bronze = tier_of(creator, position=1, name="Bronze")
    gold = tier_of(creator, position=2, name="Gold")
    people = {
        "gold_member": VerifiedUserFactory(),
        "bronze_member": VerifiedUserFactory(),
        "moderator": with_role(VerifiedUserFactory(), "moderator"),
        "other": VerifiedUserFactory(),
    }
    member_of(gold, people["gold_member"])
    member_of(bronze, people["bronze_member"])
    for person in people.values():
        graph.follow_create(follower=person, followee=creator)
    people["creator"] = creator
    open_post = make_post(creator, text="for everyone #news")
    gated = make_post(creator, text="gold only #news", minimum_tier=2)
    return people, gold, open_post, gated


def _client(api_client, user):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


DETAIL = [
    ("gold_member", 200),
    ("creator", 200),
    ("moderator", 200),
    ("bronze_member", 403),
    ("other", 403),
    ("anonymous", 403),
]


@pytest.mark.parametrize(("who", "status"), DETAIL)
def test_detail_admits_members_at_the_tier_or_above_the_creator_and_moderators(api_client, world, who, status):
    people, gold, _open_post, gated = world

    response = _client(api_client, people.get(who)).get(f"/api/v1/posts/{gated.pk}/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["text"] == "gold only #news"
        assert response.json()["minimum_tier"] == 2
    else:
        body = response.json()
        assert body["errors"][0]["code"] == "members_only"
        assert body["extra"] == {
            "minimum_tier": 2,
            "tier_needed": {"id": str(gold.pk), "name": "Gold", "position": 2},
        }
        assert "gold only" not in response.content.decode()


# Feeds: shown to those who may read it, left out for everyone else (moderators too: they reach
# a members-only post by its id, not in their feeds).
FEEDS = [
    ("gold_member", True),
    ("creator", True),
    ("moderator", False),
    ("bronze_member", False),
    ("other", False),
    ("anonymous", False),
]


@pytest.mark.parametrize(("who", "shown"), FEEDS)
def test_profile_hashtag_and_post_list_leave_the_post_out_for_non_members(api_client, world, who, shown):
    people, _gold, open_post, gated = world
    client = _client(api_client, people.get(who))
    expected = [str(gated.pk), str(open_post.pk)] if shown else [str(open_post.pk)]

    assert _ids(client.get(f"{FEED}/users/maker/")) == expected
    assert _ids(client.get(f"{FEED}/hashtags/news/")) == expected
    assert _ids(client.get("/api/v1/posts/", {"author": "maker"})) == expected


@pytest.mark.parametrize(("who", "shown"), [row for row in FEEDS if row[0] != "anonymous"])
def test_home_feed_leaves_the_post_out_for_non_members(api_client, world, who, shown):
    people, _gold, open_post, gated = world

    response = _client(api_client, people[who]).get(f"{FEED}/home/")

    expected = [str(gated.pk), str(open_post.pk)] if shown else [str(open_post.pk)]
    assert _ids(response) == expected


def test_a_lapsed_membership_loses_the_post_and_a_gift_at_the_tier_gains_it(api_client, world):
    people, gold, _open_post, gated = world
    member = people["gold_member"]
    member.memberships.update(status="ended")

    response = _client(api_client, member).get(f"/api/v1/posts/{gated.pk}/")

    assert response.status_code == 403
    assert str(gated.pk) not in _ids(api_client.get(f"{FEED}/home/"))
    member_of(gold, people["other"])
    assert _client(api_client, people["other"]).get(f"/api/v1/posts/{gated.pk}/").status_code == 200


def test_members_only_posts_cannot_be_reposted_or_quoted(world):
    people, _gold, _open_post, gated = world

    with pytest.raises(PermissionDeniedError) as caught:
        services.post_repost(user=people["gold_member"], post=gated)

    assert caught.value.code == "not_shareable"


def test_create_through_the_api_with_a_minimum_tier_and_bad_tiers_are_400(api_client):
    author = VerifiedUserFactory()
    client = _client(api_client, author)

    created = client.post("/api/v1/posts/", {"text": "members", "minimum_tier": 3}, format="json")
    bad = client.post("/api/v1/posts/", {"text": "members", "minimum_tier": 0}, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["minimum_tier"] == 3
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "minimum_tier"


def test_the_studio_form_offers_the_minimum_tier(client):
    author = VerifiedUserFactory()
    client.force_login(author)

    page = client.get("/studio/posts/new/")
    form = {"text": "studio members", "visibility": "public", "minimum_tier": "2"}
    response = client.post("/studio/posts/new/", form)

    assert 'name="minimum_tier"' in page.content.decode()
    assert response.status_code == 302
    assert author.posts.get().minimum_tier == 2


def test_openapi_lists_members_only_and_the_field(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    assert "members_only" in schema["components"]["schemas"]["Error403"]["properties"]["code"]["x-error-codes"]
    assert "403" in schema["paths"]["/api/v1/posts/{post_id}/"]["get"]["responses"]
    assert "minimum_tier" in schema["components"]["schemas"]["Post"]["properties"]
