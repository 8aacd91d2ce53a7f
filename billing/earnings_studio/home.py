"""What billing's earnings add to the studio home: earnings in the period (a figure) and what to do
to get paid (attention)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from billing import selectors
from billing.models import ConnectAccount
from billing.money import format_amount
from core.dashboard.home import Attention, Figure, Period


def earnings_figures(*, user: Any, period: Period) -> list[Figure]:
    rows = selectors.creator_revenue_by_day(
        user=user, since=dt.datetime.combine(period.previous_start, dt.time.min, tzinfo=dt.UTC)
    )
    if not rows:
        return []
    currency = max({r[2] for r in rows}, key=lambda c: sum(r[3] for r in rows if r[2] == c))
    current = sum(a for day, _s, c, a in rows if c == currency and day >= period.start)
    previous = sum(a for day, _s, c, a in rows if c == currency and day < period.start)
    return [
        Figure(
            key="earnings", label="Earnings", current=current, previous=previous, kind="money",
            shown=_number(current, currency), previous_shown=_number(previous, currency), unit=currency.upper(),
        )
    ]  # fmt: skip


def _number(amount: int, currency: str) -> str:
    return format_amount(amount, currency).rpartition(" ")[0]  # "122.47 USD" -> "122.47"


def earnings_attention(*, user: Any) -> list[Attention]:
    balances = selectors.creator_balances(user=user)
    owed = any(values["available"] + values["pending"] > 0 for values in balances.values())
    connect = ConnectAccount.objects.filter(user=user).first()
    if not owed or (connect is not None and connect.status == ConnectAccount.Status.ENABLED):
        return []
    text = (
        "Set up payouts to receive your earnings"
        if connect is None or connect.status == ConnectAccount.Status.DETAILS_NEEDED
        else f"Payouts: {connect.get_status_display().lower()}"
    )
    return [Attention(key="payouts-onboarding", text=text, url=reverse("billing_earnings:earnings"), tone="warn")]
