"""The studio's Earnings page (``/studio/earnings/``): balances, revenue by source over time, payouts,
Connect onboarding, tax facts, CSV exports. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from billing import selectors
from billing.models import ConnectAccount, Payout, TaxProfile
from billing.money import ZERO_DECIMAL_CURRENCIES, format_amount
from core.dashboard.charts import Series, time_series
from core.errors import ApplicationError

DAYS = 90
SOURCES = [("membership", "Memberships"), ("tip", "Tips"), ("ads", "Ads")]


def _major(amount: int, currency: str) -> float:
    return float(amount) if currency in ZERO_DECIMAL_CURRENCIES else amount / 100


def earnings_context(*, user, currency: str | None = None, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    balances = selectors.creator_balances(user=user)
    since = today - dt.timedelta(days=DAYS - 1)
    rows = selectors.creator_revenue_by_day(user=user, since=dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC))
    currencies = sorted(set(balances) | {r[2] for r in rows})
    chosen = currency if currency in currencies else (currencies[0] if currencies else "usd")
    days = [since + dt.timedelta(days=offset) for offset in range(DAYS)]
    by_key = {(day, source): amount for day, source, cur, amount in rows if cur == chosen}
    series = [
        Series(label, [_major(by_key.get((day, source), 0), chosen) for day in days]) for source, label in SOURCES
    ]
    chart = time_series(
        key="revenue",
        title=f"Revenue by source, last {DAYS} days ({chosen.upper()})",
        days=days,
        series=series,
        unit=chosen.upper(),
        empty="No earnings in these 90 days yet: memberships, tips and your share of ads show here once they are paid.",
    )
    totals = {
        source: sum(amount for day, s, cur, amount in rows if cur == chosen and s == source) for source, _ in SOURCES
    }
    return {
        "balances": [
            {"currency": cur, **{k: format_amount(v, cur) for k, v in values.items()}, "owes": values["available"] < 0}
            for cur, values in sorted(balances.items())
        ],
        "chart": chart,
        "currencies": currencies,
        "currency": chosen,
        "totals": [(label, format_amount(totals[source], chosen)) for source, label in SOURCES],
        "payouts": list(Payout.objects.filter(creator=user).order_by("-period_start", "-created_at")[:20]),
        "connect": ConnectAccount.objects.filter(user=user).first(),
        "tax": TaxProfile.objects.filter(user=user).first(),
        "years": sorted({today.year, *(p.year for p in [today.replace(year=today.year - 1)])}, reverse=True),
    }


@login_required
def earnings(request):
    if request.GET.get("connect") == "return":
        connect = ConnectAccount.objects.filter(user=request.user).first()
        if connect is not None:
            from billing.services.connect import connect_account_sync

            try:
                connect_account_sync(stripe_account_id=connect.stripe_account_id)
            except ApplicationError as error:
                messages.error(request, error.message)
    context = earnings_context(user=request.user, currency=request.GET.get("currency"))
    return render(request, "billing/studio/earnings.html", context)


@login_required
@require_POST
def connect_onboard(request):
    """Start (or continue) payout onboarding: to Stripe's page, which sends the creator back here."""
    from billing.services.connect import connect_onboarding_link

    back = request.build_absolute_uri(reverse("billing_earnings:earnings"))
    try:
        url = connect_onboarding_link(user=request.user, return_url=f"{back}?connect=return",
                                      refresh_url=f"{back}?connect=refresh")  # fmt: skip
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("billing_earnings:earnings")
    return redirect(url)


@login_required
@require_POST
def tax_country(request):
    country = (request.POST.get("country") or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        messages.error(request, "The country is a two-letter code (ISO 3166), e.g. DE or US.")
        return redirect("billing_earnings:earnings")
    profile, _ = TaxProfile.objects.get_or_create(user=request.user)
    profile.country = country
    profile.save(update_fields=["country", "updated_at"])
    messages.success(request, "Country saved.")
    return redirect("billing_earnings:earnings")


@login_required
def revenue_csv(request):
    """Revenue by day and source, every currency, as CSV (the chart's data, all of it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "source", "currency", "amount (minor units)"])
    for day, source, currency, amount in selectors.creator_revenue_by_day(user=request.user):
        writer.writerow([day.isoformat(), source, currency, amount])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fanfare-revenue.csv"'
    return response


@login_required
def statement_csv(request, year: int):
    """The yearly earnings statement (billing.selectors.creator_statement_csv)."""
    response = HttpResponse(
        selectors.creator_statement_csv(user=request.user, year=year), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="fanfare-earnings-{year}.csv"'
    return response
