"""The advertiser's studio pages: campaigns, the campaign editor with ad previews, reports with
charts; and a creator's ad earnings. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ads import selectors
from ads.dashboard.forms import PLACEMENT_LABELS, AdForm, AdvertiserForm, CampaignForm, TopUpForm
from ads.models import Advertiser
from ads.services import campaigns as services
from billing.money import format_amount, to_major
from core.dashboard.charts import Series, time_series
from core.errors import ApplicationError, ServiceUnavailableError


def _advertiser(request) -> Advertiser | None:
    return Advertiser.objects.filter(user=request.user).first()


def _campaign(request, campaign_id):
    advertiser = _advertiser(request)
    campaign = selectors.campaign_of(advertiser=advertiser, campaign_id=campaign_id) if advertiser else None
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


def _cards(user) -> tuple[list, str]:
    """The user's saved cards for a top-up, and why there are none when Stripe cannot say."""
    from billing.services.customers import payment_methods_list

    try:
        return payment_methods_list(user=user), ""
    except ServiceUnavailableError as error:
        return [], error.message


def _top_up(request, advertiser: Advertiser, form: TopUpForm):
    """Charge the saved card; say what happened (paid, the bank wants a confirmation, declined)."""
    try:
        payment = services.advertiser_top_up(
            advertiser=advertiser,
            amount=form.amount_minor(),
            idempotency_key=form.cleaned_data["idempotency_key"],
            payment_method_id=form.cleaned_data["payment_method"],
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        return None
    amount = format_amount(payment.amount, payment.currency)
    if payment.status == "succeeded":
        messages.success(request, f"{amount} added to your balance.")
    elif payment.status == "requires_action":
        messages.info(
            request, f"Your bank wants you to confirm the {amount} top-up in the Fanfare app; it is added then."
        )
    else:
        messages.info(request, f"The {amount} top-up is {payment.get_status_display().lower()}; it is added once paid.")
    return redirect("ads_studio:campaigns")


@login_required
def campaign_list(request):
    advertiser = _advertiser(request)
    form = AdvertiserForm(request.POST if request.method == "POST" and advertiser is None else None)
    if advertiser is None and request.method == "POST" and form.is_valid():
        try:
            services.advertiser_register(
                user=request.user,
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
                currency=form.cleaned_data["currency"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "You are an advertiser. Top up your balance, then build a campaign.")
            return redirect("ads_studio:campaigns")
    context = {"advertiser": advertiser, "form": form}
    if advertiser is not None:
        cards, cards_unavailable = _cards(request.user)
        posted = request.method == "POST" and "top_up" in request.POST
        top_up = TopUpForm(
            request.POST if posted else None,
            currency=advertiser.currency,
            cards=cards,
            initial={"idempotency_key": str(uuid.uuid4())},
        )
        if posted and top_up.is_valid():
            done = _top_up(request, advertiser, top_up)
            if done is not None:
                return done
        context.update(
            campaigns=list(selectors.campaigns_of(advertiser=advertiser)[:100]),
            balance=services.advertiser_balance(advertiser=advertiser),
            top_up=top_up,
            cards=cards,
            cards_unavailable=cards_unavailable,
        )
    return render(request, "ads/studio/campaign_list.html", context)


@login_required
def campaign_edit(request, campaign_id=None):
    advertiser = _advertiser(request)
    if advertiser is None:
        return redirect("ads_studio:campaigns")
    campaign = _campaign(request, campaign_id) if campaign_id else None
    data = request.POST if request.method == "POST" and "save_campaign" in request.POST else None
    form = (
        CampaignForm.for_campaign(campaign, data=data)
        if campaign
        else CampaignForm(
            data=data,
            initial={"start_at": timezone.now().replace(second=0, microsecond=0), "pacing": "even"},
            currency=advertiser.currency,
        )
    )
    ad_form = AdForm(
        request.POST if request.method == "POST" and "add_ad" in request.POST else None, request.FILES or None
    )
    if data is not None and form.is_valid():
        try:
            if campaign is None:
                campaign = services.campaign_create(advertiser=advertiser, data=form.data_for_service())
            else:
                services.campaign_update(campaign=campaign, data=form.data_for_service())
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Campaign saved.")
            return redirect("ads_studio:campaign", campaign_id=campaign.pk)
    if campaign is not None and "add_ad" in request.POST and ad_form.is_valid():
        values = dict(ad_form.cleaned_data)
        image = values.pop("image")
        try:
            services.ad_create(campaign=campaign, data=values, image=image)
        except ApplicationError as error:
            ad_form.add_error(None, error.message)
        else:
            messages.success(request, "Ad added.")
            return redirect("ads_studio:campaign", campaign_id=campaign.pk)
    context = {
        "campaign": campaign,
        "form": form,
        "ad_form": ad_form,
        "ads": list(selectors.ads_of(campaign=campaign)) if campaign else [],
    }
    return render(request, "ads/studio/campaign_edit.html", context)


_MOVES = {
    "submit": lambda c: services.campaign_submit(campaign=c),
    "pause": lambda c: services.campaign_pause(campaign=c),
    "resume": lambda c: services.campaign_resume(campaign=c),
    "complete": lambda c: services.campaign_complete(campaign=c, reason="by_advertiser"),
}


@login_required
@require_POST
def campaign_move(request, campaign_id, action):
    campaign = _campaign(request, campaign_id)
    if action not in _MOVES:
        raise Http404("No such action.")
    try:
        campaign = _MOVES[action](campaign)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Campaign {campaign.get_status_display().lower()}.")
    return redirect("ads_studio:campaign", campaign_id=campaign.pk)


@login_required
def campaign_report(request, campaign_id):
    campaign = _campaign(request, campaign_id)
    today = timezone.now().date()
    days = [today - dt.timedelta(days=offset) for offset in range(27, -1, -1)]
    by_day = {row["day"]: row for row in selectors.campaign_report(campaign=campaign, by="day", since=days[0])}
    charts = [
        time_series(
            key="impressions",
            title="Billable impressions and clicks per day",
            days=days,
            series=[
                Series("Impressions", [by_day.get(str(d), {}).get("billable_impressions", 0) for d in days]),
                Series("Clicks", [by_day.get(str(d), {}).get("clicks", 0) for d in days]),
            ],
            empty="No impressions in these 28 days yet.",
        ),
        time_series(
            key="spend",
            title="Spend per day",
            days=days,
            unit=campaign.currency.upper(),
            series=[
                Series(
                    "Spend", [float(to_major(by_day.get(str(d), {}).get("spend", 0), campaign.currency)) for d in days]
                )
            ],
            empty="Nothing spent in these 28 days yet.",
        ),
    ]
    context = {
        "campaign": campaign,
        "charts": charts,
        "totals": selectors.campaign_totals(campaign=campaign),
        "by_country": selectors.campaign_report(campaign=campaign, by="country"),
        "by_placement": [
            {**row, "label": PLACEMENT_LABELS.get(row["placement"], row["placement"])}
            for row in selectors.campaign_report(campaign=campaign, by="placement")
        ],
        "verdict": selectors.ab_verdict(campaign=campaign),
    }
    return render(request, "ads/studio/campaign_report.html", context)


@login_required
def earnings(request):
    """A creator's share of the ads that ran on their videos and streams."""
    shares = selectors.creator_ad_earnings(creator_id=request.user.pk)
    return render(request, "ads/studio/earnings.html", {"shares": shares})
