from ads.models.campaign import Ad, AdConversion, Advertiser, AdvertiserBlock, Campaign, ViewerAdProfile
from ads.models.events import (
    AdClick,
    AdDailyStat,
    AdEventBuffer,
    AdFillCount,
    AdImpression,
    AdSpendItem,
    CampaignSpendDay,
    LiveVersion,
)

__all__ = [
    "Ad",
    "AdClick",
    "AdConversion",
    "AdDailyStat",
    "AdEventBuffer",
    "AdFillCount",
    "AdImpression",
    "AdSpendItem",
    "Advertiser",
    "AdvertiserBlock",
    "Campaign",
    "CampaignSpendDay",
    "LiveVersion",
    "ViewerAdProfile",
]
