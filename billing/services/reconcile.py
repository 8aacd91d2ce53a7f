"""Reconciliation: the ledger against Stripe's balance transactions, and balances against lines.

Stripe is the source of truth for what happened at Stripe; the ledger for who is owed what.
Every balance transaction Fanfare knows how to post (charges, refunds, dispute withdrawals and
reinstatements, payouts' Connect transfers and their reversals) must have its entry, with the same
net on ``platform:stripe_balance`` and the same fee on ``platform:stripe_fees``. A missing entry is
repaired by syncing its payment or its payout's transfer (the same idempotent path webhooks take)
unless ``dry_run``; a mismatch is only reported: entries are
never changed, a person decides on a reversing entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from billing import chart
from billing.models import LedgerAccount, Payment
from billing.selectors import balances_from_lines
from billing.services.ledger import entry_get_by_key, entry_lines
from billing.services.payments import payment_sync
from billing.stripe_api import calling_stripe, client

logger = logging.getLogger(__name__)


@dataclass
class Difference:
    stripe_id: str  # the balance transaction
    source: str  # ch_ / re_ / dp_
    problem: str  # missing_entry | net_mismatch | fee_mismatch | unknown_payment | not_tracked
    detail: str
    repaired: bool = False


def _payment_repair(intent_id: str) -> Callable[[], object]:
    return lambda: payment_sync(payment_intent_id=intent_id)


def _transfer_repair(transfer_id: str) -> None:
    """Bring the payout up to its Transfer (confirmation and reversals), as its webhooks would."""
    from billing.services.payouts import transfer_apply

    with calling_stripe("transfer retrieve"):
        transfer = client().v1.transfers.retrieve(transfer_id)
    transfer_apply(transfer=transfer)


def _entry_key(txn) -> tuple[str | None, Callable[[], object] | None]:
    """The idempotency key of the entry a balance transaction should have, and what repairs it
    (the same idempotent path its webhook takes); ``(None, None)``: nothing billing posts."""
    source = txn.source if isinstance(txn.source, str) else getattr(txn.source, "id", "")
    api = client().v1
    if txn.type in {"charge", "payment"} and source.startswith(("ch_", "py_")):
        payment = Payment.objects.filter(stripe_charge_id=source).first()
        if payment is not None:
            return f"payment:{payment.pk}:captured", _payment_repair(payment.stripe_payment_intent_id)
        with calling_stripe("charge retrieve"):
            charge = api.charges.retrieve(source)
        return None, _payment_repair(charge.payment_intent)
    if txn.type == "refund" and source.startswith("re_"):
        with calling_stripe("refund retrieve"):
            refund = api.refunds.retrieve(source)
        return f"refund:{source}", _payment_repair(refund.payment_intent)
    if source.startswith("dp_"):
        with calling_stripe("dispute retrieve"):
            dispute = api.disputes.retrieve(source)
        outcome = "opened" if txn.amount < 0 else "won"
        return f"dispute:{source}:{outcome}", _payment_repair(dispute.payment_intent)
    if txn.type == "transfer" and source.startswith("tr_"):  # a payout's Connect transfer
        return f"transfer:{source}:confirmed", lambda: _transfer_repair(source)
    if txn.type == "transfer_refund" and source.startswith("trr_"):  # its reversal, back to available

        def repair() -> None:
            with calling_stripe("balance transaction retrieve"):
                expanded = api.balance_transactions.retrieve(txn.id, params={"expand": ["source"]})
            _transfer_repair(expanded.source.transfer)

        return f"transfer-reversal:{source}", repair
    return None, None


def _check(txn, key: str) -> list[str]:
    entry = entry_get_by_key(idempotency_key=key)
    if entry is None:
        return ["missing_entry"]
    lines = entry_lines(entry=entry)
    problems = []
    balance = sum(line.amount for line in lines if line.account.name == chart.STRIPE_BALANCE)
    if balance != txn.net:
        problems.append(f"net_mismatch:{balance}!={txn.net}")
    fee = sum(line.amount for line in lines if line.account.name == chart.STRIPE_FEES)
    if txn.type in {"charge", "payment"} and fee != txn.fee:
        problems.append(f"fee_mismatch:{fee}!={txn.fee}")
    return problems


def billing_reconcile(*, since: datetime | None = None, dry_run: bool = False) -> list[Difference]:
    """Compare every balance transaction since ``since`` with the ledger; repair missing entries."""
    params: dict = {"limit": 100}
    if since is not None:
        params["created"] = {"gte": int(since.timestamp())}
    with calling_stripe("balance transactions list"):
        txns = list(client().v1.balance_transactions.list(params=params).auto_paging_iter())
    differences = []
    for txn in txns:
        source = txn.source if isinstance(txn.source, str) else getattr(txn.source, "id", "")
        key, repair = _entry_key(txn)
        if key is None and repair is None:
            differences.append(Difference(txn.id, source, "not_tracked", f"{txn.type} is not posted by billing"))
            continue
        problems = _check(txn, key) if key else ["unknown_payment"]
        if not problems:
            continue
        if not dry_run and repair and problems in (["missing_entry"], ["unknown_payment"]):
            repair()
            key = key or _entry_key(txn)[0]
            remaining = _check(txn, key) if key else ["unknown_payment"]
            for problem in problems:
                differences.append(Difference(txn.id, source, problem, f"{txn.type} {txn.net}", repaired=not remaining))
            continue
        for problem in problems:
            name, _, found = problem.partition(":")  # "net_mismatch:941!=900": what differs
            differences.append(Difference(txn.id, source, name, f"{txn.type} {txn.net} {found}".strip()))
    return differences


@dataclass
class BalanceDifference:
    account: str
    currency: str
    running: int
    from_lines: int


def ledger_balances_check(*, repair: bool = False) -> tuple[list[BalanceDifference], dict[str, int]]:
    """Recompute every account's balance from its lines; report (and with ``repair``, reset) the
    running balances that differ. Also returns the sum of all lines per currency (always 0)."""
    from_lines = balances_from_lines()
    differences = []
    for account in LedgerAccount.objects.order_by("name", "currency"):
        expected = from_lines.get((account.name, account.currency), 0)
        if account.balance != expected:
            differences.append(BalanceDifference(account.name, account.currency, account.balance, expected))
            if repair:
                LedgerAccount.objects.filter(pk=account.pk).update(balance=expected)
    totals_from_lines: dict[str, int] = {}
    for (_, currency), amount in from_lines.items():
        totals_from_lines[currency] = totals_from_lines.get(currency, 0) + amount
    return differences, totals_from_lines
