"""Spend on the ledger: each writer batch's billable events, posted per campaign and creator.

One AdSpendItem (a batch's micro-units owed by one campaign on one creator's content) becomes
one journal entry (kind ``ad_spend``, key ``ad_spend:<item id>``), MONEY.md's lines::

    advertiser:<id>:prepaid   +amount
    platform:revenue:ads      -(amount - share)
    creator:<id>:pending      -share          (ADS_CREATOR_SHARE_BPS of amount, rounded down;
                                               none for ads outside a creator's content)

``amount`` is what the campaign's running micro-unit total adds in whole minor units (rounded
down, the remainder carried), capped by what is left of the budget and of the advertiser's
prepaid balance, both read under row locks (the campaign, then the prepaid account). So the
ledger never charges a campaign past its budget nor an advertiser below zero; what the events
of the batch that crossed the line would have cost beyond it is delivered free (at most one
batch's worth: docs/ads.md). A campaign whose budget or whose advertiser's balance is used up
completes by itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ads.models import AdSpendItem, Campaign
from ads.services.campaigns import campaign_complete

MICROS = 1_000_000


def spend_item_post(*, item_id) -> int:
    """Post one item (idempotent: a posted item is skipped). Returns the minor units charged."""
    from billing import chart
    from billing.models import JournalEntry
    from billing.services import ledger
    from billing.services.ledger import Line

    with transaction.atomic():
        item = (
            AdSpendItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, posted_at__isnull=True).first()
        )
        if item is None:
            return 0
        campaign = Campaign.objects.select_for_update().select_related("advertiser").get(pk=item.campaign_id)
        currency = campaign.currency
        prepaid = chart.advertiser_prepaid(campaign.advertiser.user_id)
        available = -ledger.accounts_lock(names=[prepaid], currency=currency)[prepaid].balance
        owed = (campaign.spent_micros + item.micros) // MICROS - campaign.spent
        amount = max(0, min(owed, campaign.budget_total - campaign.spent, available))
        share = amount * settings.ADS_CREATOR_SHARE_BPS // 10_000 if item.creator_id else 0
        if amount:
            lines = [Line(prepaid, amount, currency), Line(chart.revenue("ads"), -(amount - share), currency)]
            if share:
                lines.append(Line(chart.creator(item.creator_id, "pending"), -share, currency))
            ledger.entry_post(
                kind=JournalEntry.Kind.AD_SPEND,
                idempotency_key=f"ad_spend:{item.pk}",
                lines=lines,
                source=f"ad_batch:{item.batch_id}",
                memo=f"Ad spend, campaign {campaign.pk}",
            )
        now = timezone.now()
        AdSpendItem.objects.filter(pk=item.pk).update(
            posted_at=now, charged=amount, creator_share=share, updated_at=now
        )
        campaign.spent += amount
        campaign.spent_micros += item.micros
        campaign.save(update_fields=["spent", "spent_micros", "updated_at"])
        if campaign.status in {Campaign.Status.ACTIVE, Campaign.Status.PAUSED}:
            if campaign.spent >= campaign.budget_total:
                campaign_complete(campaign=campaign, reason="budget_spent")
            elif available - amount <= 0:
                campaign_complete(campaign=campaign, reason="balance_empty")
    return amount


def spend_post(*, limit: int = 10_000) -> int:
    """Post every waiting item, oldest first. Returns the minor units charged."""
    ids = list(
        AdSpendItem.objects.filter(posted_at__isnull=True).order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    return sum(spend_item_post(item_id=pk) for pk in ids)
