"""A post's members-only setting (``minimum_tier``) changed after posting: through the API's PATCH
and the studio's edit page, validated against the author's own tiers (not archived), at any time
(no edit window, no revision), and seen by the next read of the post and the feeds."""

import datetime as dt

import pytest
import yaml
from django.utils import timezone

from billing.models import MembershipTier
from content.models import Post
from social.services import graph
from tests.billing.factories import member_of, tier_of
from tests.content.post_factories import VerifiedUserFactory, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    creator = VerifiedUserFactory(handle="maker")
    bronze = tier_of(creator, position=1, name="Bronze")
    gold = tier_of(creator, position=2, name="Gold")
    old = tier_of(creator, position=4, name="Old")
    MembershipTier.objects.filter(pk=old.pk).update(archived_at=timezone.now())
    bronze_member, outsider = VerifiedUserFactory(), VerifiedUserFactory()
    member_of(bronze, bronze_member)
    for person in (bronze_member, outsider):
        graph.follow_create(follower=person, followee=creator)
    post = make_post(creator, text="a sketch for #inktober")
    return creator, {"bronze": bronze, "gold": gold}, bronze_member, outsider, post


def _patch(api_client, user, post, body):
    api_client.force_authenticate(user)
    return api_client.patch(f"/api/v1/posts/{post.pk}/", body, format="json")


def _reads(api_client, user, post):
    """(status of the post for ``user``, whether the author's profile feed lists it)."""
    api_client.force_authenticate(user)
    status = api_client.get(f"/api/v1/posts/{post.pk}/").status_code
    feed = api_client.get("/api/v1/feed/users/maker/")
    assert feed.status_code == 200
    return status, str(post.pk) in [item["id"] for item in feed.json()["results"]]


def test_the_author_gates_and_opens_a_post_and_the_next_reads_follow(api_client, world):
    creator, _tiers, bronze_member, outsider, post = world
    assert _reads(api_client, outsider, post) == (200, True)

    gated = _patch(api_client, creator, post, {"minimum_tier": 2})

    assert gated.status_code == 200, gated.content
    assert gated.json()["minimum_tier"] == 2
    assert gated.json()["text"] == "a sketch for #inktober"
    assert _reads(api_client, outsider, post) == (403, False)
    assert _reads(api_client, bronze_member, post) == (403, False)  # bronze is below gold
    denied = api_client.get(f"/api/v1/posts/{post.pk}/").json()["errors"][0]
    assert denied["code"] == "members_only"

    lowered = _patch(api_client, creator, post, {"minimum_tier": 1})
    assert lowered.status_code == 200
    assert _reads(api_client, bronze_member, post) == (200, True)
    assert _reads(api_client, outsider, post) == (403, False)

    opened = _patch(api_client, creator, post, {"minimum_tier": None})
    assert opened.status_code == 200
    assert opened.json()["minimum_tier"] is None
    assert _reads(api_client, outsider, post) == (200, True)
    # Not an edit of the text: no revision, no "edited" mark.
    post.refresh_from_db()
    assert (post.revisions.count(), post.edited_at) == (1, None)


def test_the_tier_is_changeable_after_the_edit_window_but_the_text_is_not(api_client, world, settings):
    creator, _tiers, _member, _outsider, post = world
    Post.objects.filter(pk=post.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=settings.POST_EDIT_WINDOW_MINUTES + 1)
    )

    tier_only = _patch(api_client, creator, post, {"minimum_tier": 2})
    with_text = _patch(api_client, creator, post, {"minimum_tier": 1, "text": "changed"})

    assert tier_only.status_code == 200, tier_only.content
    assert (with_text.status_code, with_text.json()["errors"][0]["code"]) == (409, "edit_window_closed")
    post.refresh_from_db()
    assert (post.minimum_tier, post.text) == (2, "a sketch for #inktober")  # all or nothing


def test_bad_tiers_and_other_peoples_posts_get_4xx_with_stable_codes(api_client, world):
    creator, _tiers, bronze_member, _outsider, post = world
    someone_else = VerifiedUserFactory()
    tier_of(someone_else, position=3, name="Theirs")
    repost = Post.objects.create(author=creator, kind=Post.Kind.REPOST, original=make_post(someone_else))

    cases = [
        (_patch(api_client, creator, post, {"minimum_tier": 3}), 400, "minimum_tier_unknown"),  # another's tier
        (_patch(api_client, creator, post, {"minimum_tier": 4}), 400, "minimum_tier_archived"),
        (_patch(api_client, creator, post, {"minimum_tier": 0}), 400, "min_value"),
        (_patch(api_client, creator, post, {"minimum_tier": "gold"}), 400, "invalid"),
        (_patch(api_client, bronze_member, post, {"minimum_tier": 1}), 403, "not_author"),
        (_patch(api_client, creator, repost, {"minimum_tier": 1}), 400, "repost_not_editable"),
    ]
    for response, status, code in cases:
        error = response.json()["errors"][0]
        assert (response.status_code, error["code"]) == (status, code), response.json()
    assert Post.objects.get(pk=post.pk).minimum_tier is None


def test_a_tier_archived_after_gating_keeps_the_post_gated_and_other_edits_work(api_client, world):
    creator, tiers, _member, outsider, post = world
    assert _patch(api_client, creator, post, {"minimum_tier": 2}).status_code == 200
    MembershipTier.objects.filter(pk=tiers["gold"].pk).update(archived_at=timezone.now())

    edited = _patch(api_client, creator, post, {"text": "a sketch, coloured"})

    assert edited.status_code == 200, edited.content
    assert (edited.json()["minimum_tier"], edited.json()["text"]) == (2, "a sketch, coloured")
    assert _reads(api_client, outsider, post)[0] == 403


def test_the_studio_edit_page_offers_the_authors_tiers_and_saves_a_change(client, world):
    creator, _tiers, _member, _outsider, post = world
    client.force_login(creator)

    page = client.get(f"/studio/posts/{post.pk}/edit/").content.decode()
    response = client.post(
        f"/studio/posts/{post.pk}/edit/",
        {"text": post.text, "content_warning": "", "minimum_tier": "2"},
    )

    assert 'name="minimum_tier"' in page
    assert "Gold members and above" in page
    assert "Old members" not in page  # archived tiers are not offered
    assert response.status_code == 302, response.content.decode()
    post.refresh_from_db()
    assert (post.minimum_tier, post.revisions.count()) == (2, 1)  # the text did not change: no revision


def test_the_studio_edit_page_refuses_an_archived_tier_with_the_reason(client, world):
    creator, _tiers, _member, _outsider, post = world
    client.force_login(creator)

    response = client.post(f"/studio/posts/{post.pk}/edit/", {"text": post.text, "minimum_tier": "4"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()  # not offered, so not accepted
    assert Post.objects.get(pk=post.pk).minimum_tier is None


def test_openapi_lists_the_field_on_patch_and_the_codes(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    assert "minimum_tier" in schema["components"]["schemas"]["PatchedPostEditRequest"]["properties"]
    codes = schema["components"]["schemas"]["Error400"]["properties"]["code"]["x-error-codes"]
    assert {"minimum_tier_unknown", "minimum_tier_archived"} <= set(codes)
