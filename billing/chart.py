"""The chart of accounts: every ledger account's name is made here (MONEY.md).

Platform accounts are fixed names; creator and advertiser accounts carry the user's id.
Each account also has a currency: ``platform:stripe_balance`` in USD and in JPY are two accounts.
"""

from __future__ import annotations

from uuid import UUID

STRIPE_BALANCE = "platform:stripe_balance"
STRIPE_FEES = "platform:stripe_fees"
TRANSFERS_IN_FLIGHT = "platform:transfers_in_flight"
DISPUTES = "platform:disputes"
DISPUTE_LOSSES = "platform:dispute_losses"
REFUNDS = "platform:refunds"
# Tax withheld from creators' payouts (finance pays it to the tax authority; docs/billing.md "Tax").
TAX_WITHHOLDING = "platform:tax_withholding"


def revenue(kind: str) -> str:
    """``platform:revenue:memberships`` / ``:tips`` / ``:ads``."""
    return f"platform:revenue:{_REVENUE_NAMES.get(kind, kind)}"


_REVENUE_NAMES = {"membership": "memberships", "tip": "tips", "ad_topup": "ads", "ads": "ads"}


def creator(user_id: UUID | str, bucket: str) -> str:
    """``creator:<id>:pending`` (in the hold period), ``:available`` (can be paid out), ``:held``."""
    if bucket not in {"pending", "available", "held"}:
        raise ValueError(f"unknown creator bucket {bucket!r}")
    return f"creator:{user_id}:{bucket}"


def advertiser_prepaid(user_id: UUID | str) -> str:
    return f"advertiser:{user_id}:prepaid"
