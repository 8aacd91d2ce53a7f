"""seed_demo leaves an advertiser with money, an active campaign served in feeds, and figures."""

import pytest
from django.core.management import call_command

from ads.models import AdDailyStat, Advertiser, Campaign
from ads.services import campaigns
from ads.services.decisions import decision_make
from billing.models import BillingCustomer, Payment
from tests.ads import helpers as h

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_a_funded_advertiser_and_a_campaign_served_in_feeds(settings):
    settings.DEBUG = True
    out = __import__("io").StringIO()
    call_command("seed_demo", stdout=out)

    advertiser = Advertiser.objects.get(user__email="advertiser@fanfare.local")
    campaign = Campaign.objects.get(advertiser=advertiser)
    assert campaign.status == "active"
    assert campaign.spent > 0
    assert campaigns.advertiser_balance(advertiser=advertiser) == 50_000 - campaign.spent
    # The operator reads the demo's money as money, not minor units.
    spent, left = campaign.spent, 50_000 - campaign.spent
    assert (
        f"demo traffic charged {spent // 100}.{spent % 100:02d} USD (balance left {left // 100}.{left % 100:02d} USD)"
        in (out.getvalue())
    )
    # A saved default card, which the studio's top-up form offers (and which paid the demo top-up).
    customer = BillingCustomer.objects.get(user=advertiser.user)
    topup = Payment.objects.get(payer=advertiser.user, purpose="ad_topup")
    assert customer.default_payment_method_id.startswith("pm_")
    assert topup.stripe_payment_method_id == customer.default_payment_method_id
    assert AdDailyStat.objects.filter(campaign=campaign).exists()
    assert decision_make(viewer=h.viewer(viewer_key="anon:fresh")).ad.campaign_id == campaign.pk

    call_command("seed_demo", stdout=__import__("io").StringIO())  # idempotent
    assert Campaign.objects.filter(advertiser=advertiser).count() == 1
