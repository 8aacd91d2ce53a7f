"""The studio's memberships page: tiers (create, edit, archive), members, gifts. Thin: parse,
call one billing service or selector, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import users_with_handle
from billing import selectors
from billing.dashboard.forms import GiftForm, TierForm
from billing.models import MembershipTier
from billing.money import to_major
from billing.services import memberships
from core.errors import ApplicationError


def _own_tier(request, tier_id) -> MembershipTier:
    tier = MembershipTier.objects.filter(pk=tier_id, creator=request.user).first()
    if tier is None:
        raise Http404("No such tier.")
    return tier


@login_required
def memberships_page(request):
    tiers = list(selectors.tiers_of_creator(creator_id=request.user.pk, include_archived=True))
    live = [t for t in tiers if t.archived_at is None]
    members = list(selectors.members_of_creator(creator=request.user)[:200])
    return render(
        request,
        "billing/studio/memberships.html",
        {
            "tiers": tiers,
            "members": members,
            "gift_form": GiftForm(tiers=live),
            "can_add": len(live) < 5,
        },
    )


@login_required
def tier_new(request):
    form = TierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            memberships.tier_create(
                creator=request.user,
                name=data["name"],
                description=data["description"],
                benefits=data["benefits"],
                position=data["position"],
                trial_days=data["trial_days"],
                prices=form.prices(),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Tier “{data['name']}” created.")
            return redirect("billing_studio:memberships")
    return render(request, "billing/studio/tier_form.html", {"form": form, "title": "New tier"})


@login_required
def tier_edit(request, tier_id: uuid.UUID):
    tier = _own_tier(request, tier_id)
    price = tier.prices.filter(active=True, interval="month").first()
    yearly = tier.prices.filter(active=True, interval="year").first()
    currency = price.currency if price else "usd"
    initial = {
        "name": tier.name,
        "description": tier.description,
        "benefits": "\n".join(tier.benefits),
        "position": tier.position,
        "trial_days": tier.trial_days,
        "currency": currency,
        "monthly": to_major(price.amount if price else None, currency),
        "yearly": to_major(yearly.amount if yearly else None, currency),
    }
    form = TierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            memberships.tier_update(
                tier=tier,
                by=request.user,
                name=data["name"],
                description=data["description"],
                benefits=data["benefits"],
                position=data["position"],
                trial_days=data["trial_days"],
                prices=form.prices(),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Tier “{data['name']}” saved.")
            return redirect("billing_studio:memberships")
    return render(request, "billing/studio/tier_form.html", {"form": form, "title": f"Edit {tier.name}", "tier": tier})


@login_required
@require_POST
def tier_archive(request, tier_id: uuid.UUID):
    tier = _own_tier(request, tier_id)
    try:
        memberships.tier_archive(tier=tier, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Tier “{tier.name}” archived; its members keep it.")
    return redirect("billing_studio:memberships")


@login_required
@require_POST
def gift(request):
    tiers = list(selectors.tiers_of_creator(creator_id=request.user.pk))
    form = GiftForm(request.POST, tiers=tiers)
    if not form.is_valid():
        messages.error(
            request, "The gift was not given: " + "; ".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect("billing_studio:memberships")
    data = form.cleaned_data
    viewer = users_with_handle(handle=data["viewer"].lstrip("@")).filter(is_active=True).first()
    tier = next(t for t in tiers if str(t.pk) == data["tier"])
    if viewer is None:
        messages.error(request, f"Nobody has the handle @{data['viewer'].lstrip('@')}.")
        return redirect("billing_studio:memberships")
    try:
        memberships.membership_gift(
            creator=request.user,
            viewer=viewer,
            tier=tier,
            kind=data["kind"],
            months=(data.get("months") or 1) if data["kind"] == "gift" else None,
        )
    except ApplicationError as error:
        messages.error(request, f"The gift was not given: {error.message}")
    else:
        messages.success(request, f"@{viewer.handle} is now a member ({tier.name}).")
    return redirect("billing_studio:memberships")
