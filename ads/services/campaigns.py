"""Advertisers, campaigns and ads: creating, editing, the status machine, top-ups (docs/ads.md).

The one list of status moves (``Campaign``'s docstring draws it)::

    draft      -> in_review (submit)
    in_review  -> active (approve) | rejected (reject, with a reason)
    rejected   -> in_review (submit again, after an edit)
    active     -> paused (pause: the advertiser, or a moderation hold) | completed
    paused     -> active (resume) | completed
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from ads import targeting
from ads.models import Ad, Advertiser, AdvertiserBlock, Campaign, ViewerAdProfile
from ads.targeting import AdInputError
from core.errors import ConflictError, NotFoundError, PayloadTooLargeError, PermissionDeniedError
from core.ids import uuid7

S = Campaign.Status
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.IN_REVIEW},
    S.IN_REVIEW: {S.ACTIVE, S.REJECTED},
    S.REJECTED: {S.IN_REVIEW},
    S.ACTIVE: {S.PAUSED, S.COMPLETED},
    S.PAUSED: {S.ACTIVE, S.COMPLETED},
    S.COMPLETED: set(),
}
EDITABLE = {S.DRAFT, S.REJECTED, S.PAUSED, S.ACTIVE}
# Changing these on a running campaign sends it back to review.
_REVIEWED_FIELDS = {"name"}
CAMPAIGN_FIELDS = (
    "name",
    "objective",
    "budget_total",
    "budget_daily",
    "bid_model",
    "bid_amount",
    "start_at",
    "end_at",
    "weekdays",
    "hours",
    "pacing",
    "frequency_cap_day",
    "frequency_cap_total",
    "countries",
    "regions",
    "languages",
    "devices",
    "age_min",
    "age_max",
    "genders",
    "interests",
    "placements",
)


class CampaignStateError(ConflictError):
    default_code = "campaign_state"
    default_message = "The campaign cannot do that in its current state."


# -- advertisers ---------------------------------------------------------------------------------
def advertiser_register(*, user, name: str, timezone_name: str = "UTC", currency: str = "usd") -> Advertiser:
    """Make ``user`` an advertiser (the ``advertiser`` role and an Advertiser row). Idempotent."""
    from accounts.services.roles import role_grant
    from billing.money import supported_currencies

    try:
        zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise AdInputError("Unknown time zone.", code="timezone_unknown", extra={"attr": "timezone"}) from None
    currency = (currency or "").lower()
    if currency not in supported_currencies():
        raise AdInputError("Unsupported currency.", code="currency_unsupported", extra={"attr": "currency"})
    with transaction.atomic():
        advertiser, created = Advertiser.objects.get_or_create(
            user=user, defaults={"name": (name or user.handle)[:120], "timezone": timezone_name, "currency": currency}
        )
        if created:
            role_grant(user=user, role=Role.ADVERTISER, by=None, reason="registered as an advertiser")
    return advertiser


def advertiser_of(*, user) -> Advertiser:
    advertiser = Advertiser.objects.filter(user=user).first() if user.is_authenticated else None
    if advertiser is None:
        raise PermissionDeniedError("Register as an advertiser first.", code="not_an_advertiser")
    return advertiser


def advertiser_top_up(*, advertiser: Advertiser, amount: int, idempotency_key: str, payment_method_id: str = ""):
    """Add to the prepaid balance by card: a billing Payment (purpose ``ad_topup``) whose capture
    posts ``advertiser:<user id>:prepaid`` (billing's rule). Returns the Payment."""
    from billing.models import Payment
    from billing.services.payments import payment_create

    payment = payment_create(
        payer=advertiser.user,
        purpose=Payment.Purpose.AD_TOPUP,
        amount=amount,
        currency=advertiser.currency,
        idempotency_key=f"ad_topup:{advertiser.pk}:{idempotency_key}",
        purpose_ref=str(advertiser.pk),
        description="Ad budget top-up",
        payment_method_id=payment_method_id,
    )
    # Touching the advertiser changes the decisions' version key (ads.services.live), so a balance
    # that was empty serves again at the next decision (a capture confirmed later, by webhook, is
    # seen within ADS_LIVE_CACHE_SECONDS).
    Advertiser.objects.filter(pk=advertiser.pk).update(updated_at=timezone.now())
    return payment


def advertiser_balance(*, advertiser: Advertiser) -> int:
    """What the advertiser can still spend, in minor units (the prepaid account is a credit)."""
    from billing import chart
    from billing.selectors import balance_of

    return -balance_of(account=chart.advertiser_prepaid(advertiser.user_id), currency=advertiser.currency)


# -- campaigns ------------------------------------------------------------------------------------
def _int_list(values: Any, *, low: int, high: int, attr: str, code: str) -> list[int]:
    if not isinstance(values, list) or any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        raise AdInputError(f"{attr} is a list of whole numbers.", code=code, extra={"attr": attr})
    if any(v < low or v > high for v in values):
        raise AdInputError(f"{attr} are between {low} and {high}.", code=code, extra={"attr": attr})
    return sorted(set(values))


def _clean(data: dict[str, Any], current: Campaign | None, currency: str) -> dict[str, Any]:
    """Check a campaign's fields (new values over the current ones); returns the cleaned changes."""
    from billing.money import format_amount

    merged = {field: getattr(current, field) for field in CAMPAIGN_FIELDS} if current else {}
    merged.update(data)
    out = dict(data)
    budget = merged.get("budget_total")
    if budget is None or budget < settings.ADS_MIN_BUDGET:
        raise AdInputError(
            f"The total budget is at least {format_amount(settings.ADS_MIN_BUDGET, currency)}.",
            code="budget_too_small",
            extra={"attr": "budget_total"},
        )
    daily = merged.get("budget_daily")
    if daily is not None and daily < settings.ADS_MIN_DAILY_BUDGET:
        raise AdInputError(
            f"The daily budget is at least {format_amount(settings.ADS_MIN_DAILY_BUDGET, currency)}.",
            code="budget_too_small",
            extra={"attr": "budget_daily"},
        )
    if daily is not None and daily > budget:
        raise AdInputError(
            "The daily budget is at most the total.", code="daily_budget_over_total", extra={"attr": "budget_daily"}
        )
    if not merged.get("bid_amount") or merged["bid_amount"] <= 0:
        raise AdInputError("The bid is a positive amount.", code="bid_invalid", extra={"attr": "bid_amount"})
    start, end = merged.get("start_at"), merged.get("end_at")
    if start is None:
        raise AdInputError("A campaign has a start.", code="start_required", extra={"attr": "start_at"})
    if end is not None and end <= start:
        raise AdInputError("The end is after the start.", code="end_before_start", extra={"attr": "end_at"})
    if "weekdays" in data:
        out["weekdays"] = _int_list(data["weekdays"], low=0, high=6, attr="weekdays", code="weekdays_invalid")
    if "hours" in data:
        out["hours"] = _int_list(data["hours"], low=0, high=23, attr="hours", code="hours_invalid")
    if "countries" in data:
        out["countries"] = targeting.countries_check(data["countries"])
    if "regions" in data:
        out["regions"] = targeting.regions_check(data["regions"])
    if "languages" in data:
        out["languages"] = targeting.languages_check(data["languages"])
    if "placements" in data:
        out["placements"] = targeting.placements_check(data["placements"])
    if "devices" in data:
        out["devices"] = targeting.choices_check(data["devices"], targeting.DEVICES, "devices", code="device_unknown")
    if "genders" in data:
        out["genders"] = targeting.choices_check(data["genders"], targeting.GENDERS, "genders", code="gender_unknown")
    if "interests" in data:
        out["interests"] = targeting.interests_check(data["interests"])
    age_min, age_max = merged.get("age_min"), merged.get("age_max")
    if (age_min is not None and age_min < 13) or (age_min is not None and age_max is not None and age_max < age_min):
        raise AdInputError(
            "The age range is 13 or over, lowest first.", code="age_range_invalid", extra={"attr": "age_min"}
        )
    return out


def campaign_create(*, advertiser: Advertiser, data: dict[str, Any]) -> Campaign:
    """A new campaign in ``draft``, in the advertiser's currency."""
    cleaned = _clean({k: v for k, v in data.items() if k in CAMPAIGN_FIELDS}, None, advertiser.currency)
    with transaction.atomic():
        return Campaign.objects.create(advertiser=advertiser, currency=advertiser.currency, **cleaned)


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def campaign_update(*, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Edit a campaign. A rejected one may be submitted again; a running one keeps running."""
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status not in EDITABLE:
            raise CampaignStateError(f"A campaign {campaign.status} cannot be edited.", code="campaign_not_editable")
        cleaned = _clean({k: v for k, v in data.items() if k in CAMPAIGN_FIELDS}, campaign, campaign.currency)
        if "budget_total" in cleaned and cleaned["budget_total"] < campaign.spent:
            raise AdInputError(
                "The budget is below what was spent.", code="budget_below_spent", extra={"attr": "budget_total"}
            )
        for field, value in cleaned.items():
            setattr(campaign, field, value)
        campaign.save()
    return campaign


def _move(campaign: Campaign, to: str, **fields: Any) -> Campaign:
    if to not in TRANSITIONS.get(campaign.status, set()):
        raise CampaignStateError(f"A campaign cannot go from {campaign.status} to {to}.", code="campaign_state")
    campaign.status = to
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign


def campaign_submit(*, campaign: Campaign) -> Campaign:
    """Send a draft (or a rejected campaign, edited) to review. It needs at least one ad."""
    with transaction.atomic():
        campaign = _locked(campaign)
        if not campaign.ads.filter(is_active=True).exists():
            raise CampaignStateError("A campaign needs an ad before review.", code="campaign_has_no_ads")
        return _move(campaign, S.IN_REVIEW, rejection_reason="")


def campaign_approve(*, campaign: Campaign, by) -> Campaign:
    with transaction.atomic():
        return _move(_locked(campaign), S.ACTIVE, reviewed_by=by, reviewed_at=timezone.now())


def campaign_reject(*, campaign: Campaign, by, reason: str) -> Campaign:
    reason = (reason or "").strip()
    if not reason:
        raise AdInputError("Say why the campaign is rejected.", code="reason_required", extra={"attr": "reason"})
    with transaction.atomic():
        return _move(
            _locked(campaign), S.REJECTED, reviewed_by=by, reviewed_at=timezone.now(), rejection_reason=reason[:2000]
        )


def campaign_pause(*, campaign: Campaign, by_marker: str = "") -> Campaign:
    with transaction.atomic():
        return _move(_locked(campaign), S.PAUSED, paused_by=by_marker)


def campaign_resume(*, campaign: Campaign) -> Campaign:
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.paused_by:
            raise CampaignStateError("A moderator paused this campaign.", code="campaign_held")
        if campaign.advertiser.user.banned_at or (
            campaign.advertiser.user.suspended_until and campaign.advertiser.user.suspended_until > timezone.now()
        ):
            raise CampaignStateError("The account is suspended.", code="campaign_held")
        return _move(campaign, S.ACTIVE)


def campaign_complete(*, campaign: Campaign, reason: str) -> Campaign:
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status == S.COMPLETED:
            return campaign
        return _move(campaign, S.COMPLETED, completed_reason=reason[:32])


def campaigns_ended_complete(*, now: dt.datetime | None = None) -> int:
    """Campaigns whose end passed complete by themselves (the rollup task calls it)."""
    now = now or timezone.now()
    done = 0
    for campaign in Campaign.objects.filter(status__in=[S.ACTIVE, S.PAUSED], end_at__lte=now):
        campaign_complete(campaign=campaign, reason="ended")
        done += 1
    return done


# -- moderation's part (moderation/services/enforcement.py EFFECTS/RELEASES) -------------------------
def campaigns_of_user_hold(*, user, marker: str) -> dict[str, Any]:
    """A suspension or ban pauses the account's running campaigns, tagged with the action."""
    marker = marker or "moderation"
    paused = []
    with transaction.atomic():
        for campaign in Campaign.objects.select_for_update().filter(advertiser__user=user, status=S.ACTIVE):
            _move(campaign, S.PAUSED, paused_by=marker)
            paused.append(str(campaign.pk))
    return {"paused": paused}


def campaigns_of_user_release(*, user, marker: str) -> dict[str, Any]:
    """Lifting resumes exactly the campaigns that hold paused (and still have time left); those
    paused by a suspension made outside moderation (no marker) resume once the account is in
    good standing again."""
    resumed = []
    now = timezone.now()
    user.refresh_from_db(fields=["suspended_until", "banned_at"])
    markers = {marker}
    if not user.banned_at and not (user.suspended_until and user.suspended_until > now):
        markers.add("moderation")
    with transaction.atomic():
        for campaign in Campaign.objects.select_for_update().filter(
            advertiser__user=user, status=S.PAUSED, paused_by__in=markers
        ):
            if campaign.end_at and campaign.end_at <= now:
                _move(campaign, S.COMPLETED, completed_reason="ended", paused_by="")
                continue
            _move(campaign, S.ACTIVE, paused_by="")
            resumed.append(str(campaign.pk))
    return {"resumed": resumed}


# -- ads ------------------------------------------------------------------------------------------
AD_FIELDS = (
    "name",
    "format",
    "headline",
    "body",
    "skippable_after",
    "destination_url",
    "call_to_action",
    "weight",
    "is_active",
)


def _clean_ad(data: dict[str, Any], campaign: Campaign) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k in AD_FIELDS}
    if "destination_url" in out:
        out["destination_url"] = targeting.destination_check(out["destination_url"])
    if "weight" in out and (not isinstance(out["weight"], int) or not 1 <= out["weight"] <= 100):
        raise AdInputError("The weight is 1 to 100.", code="weight_invalid", extra={"attr": "weight"})
    return out


def _ad_image_store(*, upload, ad_id) -> str:
    from core.images import image_decode, image_encode_webp

    if upload.size > settings.ADS_MAX_IMAGE_BYTES:
        raise PayloadTooLargeError(
            f"An ad image is at most {settings.ADS_MAX_IMAGE_BYTES} bytes.", code="ad_media_too_large"
        )
    image = image_decode(upload=upload)
    data, _size = image_encode_webp(image=image, max_side=1200)
    return default_storage.save(f"ads/{ad_id}.webp", ContentFile(data))


def _video_check(*, campaign: Campaign, video_id) -> Any:
    from content.models import Video

    video = Video.objects.filter(pk=video_id, owner_id=campaign.advertiser.user_id).first() if video_id else None
    if video is None:
        raise AdInputError("A video ad uses one of your own videos.", code="ad_video_invalid", extra={"attr": "video"})
    if video.duration and video.duration > 120:
        raise AdInputError("A video ad is at most 120 seconds.", code="ad_media_too_large", extra={"attr": "video"})
    return video


def ad_create(*, campaign: Campaign, data: dict[str, Any], image=None, video_id=None) -> Ad:
    """An ad of ``campaign``; the image goes through the image pipeline (decoded, re-encoded)."""
    cleaned = _clean_ad(data, campaign)
    if cleaned.get("format") not in Ad.Format.values:
        raise AdInputError("The format is video, image or text.", code="ad_format_invalid", extra={"attr": "format"})
    if "destination_url" not in cleaned:
        raise AdInputError("An ad has a destination.", code="destination_invalid", extra={"attr": "destination_url"})
    ad_id = uuid7()
    video = None
    if cleaned["format"] == Ad.Format.VIDEO:
        video = _video_check(campaign=campaign, video_id=video_id)
    if cleaned["format"] == Ad.Format.IMAGE and image is None:
        raise AdInputError("An image ad has an image.", code="ad_image_required", extra={"attr": "image"})
    path = _ad_image_store(upload=image, ad_id=ad_id) if image is not None else ""
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status == S.COMPLETED:
            raise CampaignStateError("The campaign is over.", code="campaign_not_editable")
        return Ad.objects.create(id=ad_id, campaign=campaign, image=path, video=video, **cleaned)


def ad_update(*, ad: Ad, data: dict[str, Any]) -> Ad:
    cleaned = _clean_ad(data, ad.campaign)
    cleaned.pop("format", None)
    with transaction.atomic():
        ad = Ad.objects.select_for_update().get(pk=ad.pk)
        for field, value in cleaned.items():
            setattr(ad, field, value)
        ad.save()
    return ad


def ad_moderate(*, ad: Ad, active: bool) -> Ad:
    """A moderator removes an ad from rotation (a report's ``remove``) or puts it back."""
    with transaction.atomic():
        ad = Ad.objects.select_for_update().get(pk=ad.pk)
        ad.is_active = active
        ad.extra_metadata = {**ad.extra_metadata, "removed_by_moderation": not active}
        ad.save(update_fields=["is_active", "extra_metadata", "updated_at"])
    return ad


# -- viewers --------------------------------------------------------------------------------------
def viewer_profile_set(*, user, birth_year: int | None, gender: str, interests: list[str]) -> ViewerAdProfile:
    """What the viewer chooses to share for ad targeting (each may be left empty)."""
    this_year = timezone.now().year
    if birth_year is not None and not this_year - 120 <= birth_year <= this_year - 13:
        raise AdInputError("Not a plausible birth year.", code="birth_year_invalid", extra={"attr": "birth_year"})
    if gender:
        targeting.choices_check([gender], targeting.GENDERS, "genders", code="gender_unknown")
    profile, _ = ViewerAdProfile.objects.update_or_create(
        user=user,
        defaults={"birth_year": birth_year, "gender": gender or "", "interests": targeting.interests_check(interests)},
    )
    return profile


def advertiser_block(*, user, advertiser_id) -> None:
    advertiser = Advertiser.objects.filter(pk=advertiser_id).first()
    if advertiser is None:
        raise NotFoundError("No such advertiser.", code="advertiser_not_found")
    AdvertiserBlock.objects.get_or_create(user=user, advertiser=advertiser)


def advertiser_unblock(*, user, advertiser_id) -> None:
    AdvertiserBlock.objects.filter(user=user, advertiser_id=advertiser_id).delete()
