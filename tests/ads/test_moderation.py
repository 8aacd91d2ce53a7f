"""Ads in moderation: an ad is a report target; a suspension or ban pauses the advertiser's
campaigns and lifting it resumes exactly those."""

import pytest

from accounts.services import moderation as account_moderation
from ads.models import Campaign
from ads.services import campaigns
from moderation.services.actions import case_act, decision_reverse
from moderation.services.reports import report_create
from tests.ads import helpers as h
from tests.moderation.conftest import verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    from tests.factories import with_role

    return with_role(verified(handle="admod"), "moderator")


def _report_advertiser(advertiser, moderator, action="suspend"):
    reporter = verified(handle="adreporter")
    case = report_create(reporter=reporter, target_type="user", target_id=advertiser.user_id, category="spam")[0].case
    return case_act(case=case, by=moderator, action=action, reason="Scam ads", days=7 if action == "suspend" else None)


def test_an_ad_can_be_reported_and_removed_from_rotation(moderator):
    campaign = h.live_campaign()
    ad = campaign.ads.get()
    reporter = verified(handle="adreporter")

    report, created = report_create(reporter=reporter, target_type="ad", target_id=ad.pk, category="spam")
    assert created
    assert report.evidence["headline"] == "Ad 0"
    assert report.evidence["destination_url"] == "https://shop.example.com/sale"
    assert report.case.target_type == "ad"

    decision = case_act(case=report.case, by=moderator, action="remove", reason="Deceptive")
    ad.refresh_from_db()
    assert ad.is_active is False
    from ads.services.decisions import decision_make

    assert decision_make(viewer=h.viewer()).ad is None

    decision_reverse(decision=decision, by=moderator, reason="Mistake")
    ad.refresh_from_db()
    assert ad.is_active is True


def test_a_draft_ad_cannot_be_reported():
    campaign = campaigns.campaign_create(advertiser=h.make_advertiser(balance=0), data=h.campaign_data())
    ad = campaigns.ad_create(
        campaign=campaign, data={"format": "text", "headline": "x", "destination_url": "https://a.example/"}
    )
    from core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        report_create(reporter=verified(handle="reporter_two"), target_type="ad", target_id=ad.pk, category="spam")


def test_a_suspension_pauses_the_campaigns_and_lifting_resumes_exactly_those(moderator):
    advertiser = h.make_advertiser()
    running = h.live_campaign(advertiser)
    paused_by_them = campaigns.campaign_pause(campaign=h.live_campaign(advertiser))
    someone_elses = h.live_campaign()

    decision = _report_advertiser(advertiser, moderator)

    assert decision.effects["ads"] == {"paused": [str(running.pk)]}
    statuses = dict(Campaign.objects.values_list("pk", "status"))
    assert (statuses[running.pk], statuses[paused_by_them.pk], statuses[someone_elses.pk]) == (
        "paused",
        "paused",
        "active",
    )
    running.refresh_from_db()
    with pytest.raises(campaigns.CampaignStateError) as error:
        campaigns.campaign_resume(campaign=running)
    assert error.value.code == "campaign_held"

    decision_reverse(decision=decision, by=moderator, reason="Wrong account")

    statuses = dict(Campaign.objects.values_list("pk", "status"))
    assert (statuses[running.pk], statuses[paused_by_them.pk]) == ("active", "paused")


def test_a_ban_made_in_accounts_pauses_and_its_lift_resumes(moderator):
    advertiser = h.make_advertiser()
    running = h.live_campaign(advertiser)

    action = account_moderation.user_ban(user=advertiser.user, by=moderator, reason="Fraud")
    running.refresh_from_db()
    assert (running.status, running.paused_by != "") == ("paused", True)

    account_moderation.moderation_action_lift(action=action, by=moderator, reason="Appeal accepted")
    running.refresh_from_db()
    assert (running.status, running.paused_by) == ("active", "")
