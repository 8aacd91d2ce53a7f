"""Stripe Connect: a creator's Express account, its onboarding link, and keeping its state current.

The creator starts onboarding from the studio (``connect_onboarding_link``): Fanfare creates the
Express account once (idempotency key ``connect-account:<user id>``) and asks Stripe for an
account link; Stripe's page sends the creator back to the studio. ``account.updated`` webhooks
(and the studio's return) re-read the account from Stripe and store its state
(``connect_account_sync``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import ConnectAccount
from billing.stripe_api import calling_stripe, client
from core.errors import ApplicationError

logger = logging.getLogger(__name__)


class ConnectError(ApplicationError):
    default_code = "connect_invalid"
    default_message = "Payout onboarding cannot be done now."


def status_of(account: Any) -> str:
    """Fanfare's four states from Stripe's account (capabilities, requirements, flags)."""
    capabilities = account.get("capabilities") or {}
    requirements = account.get("requirements") or {}
    if capabilities.get("transfers") == "active" and account.get("payouts_enabled"):
        return ConnectAccount.Status.ENABLED
    if not account.get("details_submitted"):
        return ConnectAccount.Status.DETAILS_NEEDED
    if requirements.get("pending_verification") or capabilities.get("transfers") == "pending":
        return ConnectAccount.Status.PENDING_VERIFICATION
    return ConnectAccount.Status.RESTRICTED


def _store(row: ConnectAccount, account: Any) -> ConnectAccount:
    requirements = account.get("requirements") or {}
    row.status = status_of(account)
    row.country = account.get("country") or ""
    row.default_currency = account.get("default_currency") or ""
    row.details_submitted = bool(account.get("details_submitted"))
    row.payouts_enabled = bool(account.get("payouts_enabled"))
    row.transfers_capability = (account.get("capabilities") or {}).get("transfers") or "inactive"
    row.requirements_due = list(requirements.get("currently_due") or [])
    row.disabled_reason = requirements.get("disabled_reason") or ""
    row.synced_at = timezone.now()
    row.save()
    return row


def connect_account_get_or_create(*, user) -> ConnectAccount:
    """The creator's Express account (created at Stripe the first time)."""
    existing = ConnectAccount.objects.filter(user=user).first()
    if existing is not None:
        return existing
    from billing.models import TaxProfile

    country = (TaxProfile.objects.filter(user=user).values_list("country", flat=True).first() or "US").upper()
    with calling_stripe("connect account create"):
        account = client().v1.accounts.create(
            params={
                "type": "express",
                "country": country,
                "email": user.email,
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"fanfare_user_id": str(user.pk)},
            },
            options={"idempotency_key": f"connect-account:{user.pk}"},
        )
    with transaction.atomic():
        row, _ = ConnectAccount.objects.get_or_create(user=user, defaults={"stripe_account_id": account.id})
        return _store(ConnectAccount.objects.select_for_update().get(pk=row.pk), account)


def connect_onboarding_link(*, user, return_url: str, refresh_url: str) -> str:
    """A one-time Stripe URL where the creator gives (or updates) their payout details."""
    row = connect_account_get_or_create(user=user)
    with calling_stripe("account link create"):
        link = client().v1.account_links.create(
            params={
                "account": row.stripe_account_id,
                "return_url": return_url,
                "refresh_url": refresh_url,
                "type": "account_onboarding",
            }
        )
    return link.url


def connect_account_sync(*, stripe_account_id: str) -> ConnectAccount | None:
    """Read the account from Stripe (its current state, whatever order events came in) and store it."""
    row = ConnectAccount.objects.filter(stripe_account_id=stripe_account_id).first()
    if row is None:
        logger.info("account.updated for %s, which is no creator's account; ignored", stripe_account_id)
        return None
    with calling_stripe("account retrieve"):
        account = client().v1.accounts.retrieve(stripe_account_id)
    with transaction.atomic():
        return _store(ConnectAccount.objects.select_for_update().get(pk=row.pk), account)
